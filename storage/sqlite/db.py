"""The SQLite file: connections, pragmas, schema migrations and the write-transaction helper.

Two aiosqlite connections, each with its own thread, so the event loop never blocks on the file:
- the writer runs one transaction at a time (`BEGIN IMMEDIATE` behind an asyncio.Lock: aiosqlite serializes
  statements, not transactions, so two coroutines must not interleave statements on one connection);
- the reader answers single-statement reads from the last committed state (WAL lets it read while a write is
  in progress, so pages and lookups never queue behind writes). Measured with benchmarks/storage_bench.py's
  page-under-writes figure: a last page read while 10 writers add took ~4 ms here, ~8 ms on one shared connection.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from storage.common import utc

BUSY_TIMEOUT_MS = 10_000
Params = Sequence[Any] | Mapping[str, Any]

# Append-only: each step moves the file from user_version i to i + 1 inside one transaction.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE playlists (
        id TEXT PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        owner_id INTEGER NOT NULL,
        mode TEXT NOT NULL,
        collaborator_user_ids TEXT NOT NULL DEFAULT '[]',
        collaborator_role_ids TEXT NOT NULL DEFAULT '[]',
        track_count INTEGER NOT NULL DEFAULT 0,
        seq INTEGER NOT NULL DEFAULT 0,
        revision INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
    );
    CREATE UNIQUE INDEX playlists_live_name ON playlists (guild_id, name_key) WHERE deleted_at IS NULL;
    CREATE INDEX playlists_trash ON playlists (guild_id, deleted_at, name_key);
    CREATE TABLE entries (
        id TEXT PRIMARY KEY,
        playlist_id TEXT NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
        guild_id INTEGER NOT NULL,
        order_key TEXT NOT NULL,
        artist TEXT NOT NULL,
        title TEXT NOT NULL,
        album TEXT,
        duration_s INTEGER,
        mbid TEXT,
        url TEXT,
        norm_key TEXT NOT NULL,
        added_by INTEGER NOT NULL,
        added_at TEXT NOT NULL,
        UNIQUE (playlist_id, order_key)
    );
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        playlist_id TEXT NOT NULL,
        actor_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        summary TEXT NOT NULL,
        data TEXT NOT NULL,
        at TEXT NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX events_guild ON events (guild_id, at DESC, id DESC);
    CREATE INDEX events_playlist ON events (guild_id, playlist_id, at DESC, id DESC);
    CREATE TABLE guilds (
        guild_id INTEGER PRIMARY KEY,
        manager_role_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE accounts (
        user_id INTEGER PRIMARY KEY,
        lastfm_username TEXT NOT NULL,
        linked_at TEXT NOT NULL
    );
    CREATE TABLE cache (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        stored_at TEXT NOT NULL,
        fresh_until TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX cache_expiry ON cache (expires_at);
    """,
)


def iso(dt: datetime) -> str:
    """Fixed-width ISO text in UTC: sorts and compares like the instant it names."""
    return utc(dt).isoformat(timespec="milliseconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def from_iso_opt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _casefold(text: object) -> str:
    return str(text).casefold() if text is not None else ""


async def _connect(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)  # autocommit: transactions are explicit
    conn.row_factory = sqlite3.Row
    # Unicode-aware case folding for searches (SQLite's lower() folds ASCII only); runs on the connection thread.
    await conn.create_function("casefold", 1, _casefold, deterministic=True)
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe against corruption in WAL
    await conn.execute("PRAGMA foreign_keys = ON")
    return conn


async def _migrate(conn: aiosqlite.Connection) -> None:
    await conn.execute("BEGIN IMMEDIATE")  # a second process opening the file waits here, then sees the result
    try:
        rows = list(await conn.execute_fetchall("PRAGMA user_version"))
        version = int(rows[0][0])
        if version > len(MIGRATIONS):
            raise RuntimeError(f"{version=} of the database file is newer than this program ({len(MIGRATIONS)})")
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in script.split(";"):
                if statement.strip():
                    await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


class SqliteDatabase:
    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self._writer = writer
        self._reader = reader
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        writer = await _connect(path)
        try:
            await _migrate(writer)
            reader = await _connect(path)
            await reader.execute("PRAGMA query_only = ON")
        except BaseException:
            await writer.close()
            raise
        return cls(writer, reader)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One `BEGIN IMMEDIATE` transaction: committed on success, rolled back on any exception."""
        async with self._lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._reader.execute_fetchall(sql, params))

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def ping(self) -> None:
        await self.rows("SELECT 1")

    async def close(self) -> None:
        async with self._lock:
            await self._reader.close()
            await self._writer.close()


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Params = ()) -> sqlite3.Row | None:
    found = await fetch_all(conn, sql, params)
    return found[0] if found else None
