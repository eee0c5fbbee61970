"""The SQLite file: connections, pragmas, schema migrations and the write-transaction helper.

Two stdlib sqlite3 connections, each owned by its own one-thread executor (only that thread ever touches it), so
the event loop never blocks on the file:
- the writer runs one whole transaction per call: `transact(fn)` runs `fn(conn)` between `BEGIN IMMEDIATE` and
  `COMMIT` (ROLLBACK on any exception) as plain synchronous code on the writer thread, and the event loop awaits
  it once. The executor's queue serializes the transactions, so no lock is held across event-loop round trips:
  with one round trip per statement (BEGIN, statements, fetches, COMMIT: ~7 for a playlist add) a busy loop
  stretched every write lock hold, and the queue behind it, by its own latency.
- the reader answers single-statement reads from the last committed state (WAL lets it read while a write is
  in progress, so pages and lookups never queue behind writes). Measured with benchmarks/storage_bench.py's
  page-under-writes figure: a last page read while 10 writers add took ~4 ms here, ~8 ms on one shared connection.

A transaction that has started runs to its end even if the awaiting task is cancelled (as a MongoDB write already
sent does); one still waiting in the queue is dropped.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from bot.domain.ports.storage import IoCounter
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
    # 2: a removed server is kept for a grace period; forget-me finds a member's rows by index
    """
    ALTER TABLE guilds ADD COLUMN removed_at TEXT;
    CREATE INDEX guilds_removed ON guilds (removed_at) WHERE removed_at IS NOT NULL;
    CREATE INDEX entries_added_by ON entries (added_by);
    CREATE INDEX events_actor ON events (actor_id);
    """,
    # 3: a linked member opts in to having their listening used in server blends (off by default)
    "ALTER TABLE accounts ADD COLUMN mix_consent INTEGER NOT NULL DEFAULT 0",
    # 4: the server's default time zone, and scheduled posts
    """
    ALTER TABLE guilds ADD COLUMN timezone TEXT;
    CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        what TEXT NOT NULL,
        target TEXT NOT NULL,
        label TEXT NOT NULL,
        every TEXT NOT NULL,
        cron TEXT NOT NULL,
        timezone TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        next_run_at TEXT NOT NULL,
        paused INTEGER NOT NULL DEFAULT 0,
        paused_reason TEXT,
        lease_owner TEXT,
        lease_until TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        last_run_at TEXT,
        last_outcome TEXT,
        last_detail TEXT,
        last_message_id INTEGER
    );
    CREATE INDEX schedules_due ON schedules (next_run_at) WHERE paused = 0;
    CREATE INDEX schedules_guild ON schedules (guild_id, next_run_at);
    """,
    # 5: themed rounds on a playlist: submissions with a quota, votes, and a reveal
    """
    CREATE TABLE rounds (
        id TEXT PRIMARY KEY,
        guild_id INTEGER NOT NULL,
        playlist_id TEXT NOT NULL,
        theme TEXT NOT NULL,
        per_member INTEGER NOT NULL,
        votes_per_member INTEGER NOT NULL,
        anonymous INTEGER NOT NULL,
        reorder INTEGER NOT NULL,
        channel_id INTEGER NOT NULL,
        message_id INTEGER,
        phase TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        closes_at TEXT,
        voting_s INTEGER,
        voting_ends_at TEXT,
        next_at TEXT,
        closed_at TEXT,
        revealed_at TEXT
    );
    CREATE UNIQUE INDEX rounds_active ON rounds (playlist_id) WHERE phase IN ('open', 'voting');
    CREATE INDEX rounds_due ON rounds (next_at) WHERE next_at IS NOT NULL;
    CREATE INDEX rounds_guild ON rounds (guild_id, phase, created_at);
    CREATE TABLE round_submissions (
        id TEXT PRIMARY KEY,
        round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        guild_id INTEGER NOT NULL,
        entry_id TEXT,
        member_id INTEGER NOT NULL,
        artist TEXT NOT NULL,
        title TEXT NOT NULL,
        album TEXT,
        duration_s INTEGER,
        mbid TEXT,
        url TEXT,
        norm_key TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        UNIQUE (round_id, norm_key)
    );
    CREATE INDEX round_submissions_member ON round_submissions (round_id, member_id);
    CREATE TABLE round_votes (
        round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        submission_id TEXT NOT NULL REFERENCES round_submissions (id) ON DELETE CASCADE,
        member_id INTEGER NOT NULL,
        PRIMARY KEY (round_id, member_id, submission_id)
    );
    CREATE INDEX round_votes_submission ON round_votes (submission_id);
    """,
    # 6: a scheduled fresh mix can be saved as a playlist each time, keeping the last few
    """
    ALTER TABLE schedules ADD COLUMN save_as TEXT;
    ALTER TABLE schedules ADD COLUMN keep INTEGER NOT NULL DEFAULT 4;
    ALTER TABLE schedules ADD COLUMN save_at TEXT;
    ALTER TABLE schedules ADD COLUMN save_name TEXT;
    ALTER TABLE schedules ADD COLUMN saved TEXT NOT NULL DEFAULT '[]';
    """,
    # 7: public share pages (one token per shared playlist) and what the server lets them show
    """
    CREATE TABLE shares (
        token TEXT PRIMARY KEY,
        playlist_id TEXT NOT NULL UNIQUE REFERENCES playlists (id) ON DELETE CASCADE,
        guild_id INTEGER NOT NULL,
        created_by INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        indexable INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE guilds ADD COLUMN share_server_name INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE guilds ADD COLUMN share_member_names INTEGER NOT NULL DEFAULT 0;
    """,
    # 8: rounds remember which phase their announcement shows (a lagging one is re-announced); a forgotten voter's
    # ballots in revealed rounds become 0's, so (round, member, submission) is unique only among real members
    """
    ALTER TABLE rounds ADD COLUMN announced_phase TEXT;
    UPDATE rounds SET announced_phase = phase WHERE message_id IS NOT NULL;
    CREATE INDEX rounds_unannounced ON rounds (phase) WHERE message_id IS NOT NULL AND announced_phase IS NOT phase;
    CREATE TABLE round_votes_v6 (
        round_id TEXT NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        submission_id TEXT NOT NULL REFERENCES round_submissions (id) ON DELETE CASCADE,
        member_id INTEGER NOT NULL
    );
    INSERT INTO round_votes_v6 (round_id, submission_id, member_id)
        SELECT round_id, submission_id, member_id FROM round_votes;
    DROP TABLE round_votes;
    ALTER TABLE round_votes_v6 RENAME TO round_votes;
    CREATE UNIQUE INDEX round_votes_one ON round_votes (round_id, member_id, submission_id) WHERE member_id <> 0;
    CREATE INDEX round_votes_submission ON round_votes (submission_id);
    CREATE INDEX round_votes_member ON round_votes (member_id);
    CREATE INDEX round_submissions_by_member ON round_submissions (member_id);
    CREATE INDEX round_submissions_guild ON round_submissions (guild_id);
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


def _connect(path: Path, *, query_only: bool, io: IoCounter) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)  # autocommit: transactions are explicit
    try:
        conn.row_factory = sqlite3.Row
        conn.set_trace_callback(lambda _sql: _count_statement(io))
        # Unicode-aware case folding for searches (SQLite's lower() folds ASCII only).
        conn.create_function("casefold", 1, _casefold, deterministic=True)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")  # durable at checkpoints; safe against corruption in WAL
        conn.execute("PRAGMA foreign_keys = ON")
        if query_only:
            conn.execute("PRAGMA query_only = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _count_statement(io: IoCounter) -> None:
    io.statements += 1


def _in_transaction[T](fn: Callable[[sqlite3.Connection], T], conn: sqlite3.Connection) -> T:
    """`fn(conn)` inside one `BEGIN IMMEDIATE` transaction: committed on success, rolled back on any exception
    (which then propagates unchanged). Runs on the writer thread."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back on its own (e.g. a full disk)
            conn.execute("ROLLBACK")
        raise
    return result


def _migrate(conn: sqlite3.Connection) -> None:
    """Runs inside one transaction: a second process opening the file waits for it, then sees the result."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise RuntimeError(f"{version=} of the database file is newer than this program ({len(MIGRATIONS)})")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")


class _Connection:
    """One sqlite3 connection and the one thread that opens, uses and closes it; calls run in submission order."""

    def __init__(self, name: str, io: IoCounter) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"sqlite-{name}")
        self._conn: sqlite3.Connection | None = None
        self._io = io

    async def open(self, path: Path, *, query_only: bool) -> None:
        self._conn = await self._submit(partial(_connect, path, query_only=query_only, io=self._io))

    async def run[T](self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._conn
        if conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        self._io.round_trips += 1
        return await self._submit(partial(fn, conn))

    async def close(self) -> None:
        """After every call already submitted; idempotent."""
        conn, self._conn = self._conn, None
        try:
            if conn is not None:
                await self._submit(conn.close)
        finally:
            self._thread.shutdown(wait=False)

    def _submit[T](self, call: Callable[[], T]) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._thread, call)


class SqliteDatabase:
    def __init__(self, writer: _Connection, reader: _Connection, io: IoCounter) -> None:
        self._writer = writer
        self._reader = reader
        self.io = io

    @classmethod
    async def open(cls, path: Path, io: IoCounter | None = None) -> SqliteDatabase:
        io = io or IoCounter()
        writer, reader = _Connection("writer", io), _Connection("reader", io)
        try:
            await writer.open(path, query_only=False)
            await writer.run(partial(_in_transaction, _migrate))
            await reader.open(path, query_only=True)
        except BaseException:
            await reader.close()
            await writer.close()
            raise
        return cls(writer, reader, io)

    async def transact[T](self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(conn)` as one `BEGIN IMMEDIATE` transaction on the writer thread, awaited once: committed on
        success, rolled back on any exception, which propagates unchanged. `fn` is plain synchronous sqlite3 code
        and must not touch the event loop; transactions run one at a time, in the order they were asked for."""
        return await self._writer.run(partial(_in_transaction, fn))

    async def read[T](self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(conn)` on the reader thread (several statements, one hop), from the last committed state."""
        return await self._reader.run(fn)

    async def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await self._reader.run(partial(fetch_all, sql=sql, params=params))

    async def row(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        found = await self.rows(sql, params)
        return found[0] if found else None

    async def ping(self) -> None:
        await self.rows("SELECT 1")

    async def close(self) -> None:
        try:
            await self._reader.close()
        finally:
            await self._writer.close()  # after the transactions already asked for


# Synchronous helpers for `transact` functions (and the reader thread). Each fetches every row, so no statement
# is left in progress when the transaction commits.


def fetch_all(conn: sqlite3.Connection, sql: str, params: Params = ()) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def fetch_one(conn: sqlite3.Connection, sql: str, params: Params = ()) -> sqlite3.Row | None:
    found = fetch_all(conn, sql, params)
    return found[0] if found else None


def execute(conn: sqlite3.Connection, sql: str, params: Params = ()) -> None:
    conn.execute(sql, params)
