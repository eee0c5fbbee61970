"""ShareRepository on SQLite: a `shares` row per playlist whose public page is on, and the server's page privacy
(two columns of `guilds`). A share change bumps its playlist's revision in the same transaction as its event."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.domain.errors import Conflict
from bot.domain.models import NewEvent, Playlist
from bot.domain.ports.shares import Share, SharePrivacy
from storage.common import playlist_missing
from storage.sqlite.codec import P_COLS, playlist_from_row
from storage.sqlite.db import SqliteDatabase, fetch_one, from_iso, iso
from storage.sqlite.events import record

S_COLS = "token, guild_id, playlist_id, created_by, created_at, indexable"
_JOINED = ", ".join(f"p.{c.strip()}" for c in P_COLS.split(","))
ALREADY_SHARED = "That playlist's page is already on."


def share_from_row(row: sqlite3.Row) -> Share:
    return Share(
        token=row["token"],
        guild_id=row["guild_id"],
        playlist_id=row["playlist_id"],
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),
        indexable=bool(row["indexable"]),
    )


def _touch(conn: sqlite3.Connection, guild_id: int, playlist_id: str, at: datetime) -> None:
    """Bump the live playlist's revision (its page changes); NotFound if it is not live."""
    sql = (
        "UPDATE playlists SET revision = revision + 1, updated_at = ?"
        " WHERE id = ? AND guild_id = ? AND deleted_at IS NULL RETURNING id"
    )
    if fetch_one(conn, sql, (iso(at), playlist_id, guild_id)) is None:
        raise playlist_missing()


class SqliteShares:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def get(self, guild_id: int, playlist_id: str) -> Share | None:
        row = await self._db.row(
            f"SELECT {S_COLS} FROM shares WHERE guild_id = ? AND playlist_id = ?", (guild_id, playlist_id)
        )
        return None if row is None else share_from_row(row)

    async def by_token(self, token: str) -> tuple[Share, Playlist] | None:
        row = await self._db.row(
            f"SELECT s.token, s.created_by, s.created_at, s.indexable, s.playlist_id, {_JOINED}"
            " FROM shares s JOIN playlists p ON p.id = s.playlist_id WHERE s.token = ?",
            (token,),
        )
        if row is None:
            return None
        return share_from_row(row), playlist_from_row(row)

    async def create(self, share: Share, *, at: datetime, event: NewEvent | None = None) -> Share:
        def tx(conn: sqlite3.Connection) -> None:
            _touch(conn, share.guild_id, share.playlist_id, at)
            try:
                conn.execute(
                    f"INSERT INTO shares ({S_COLS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        share.token,
                        share.guild_id,
                        share.playlist_id,
                        share.created_by,
                        iso(share.created_at),
                        int(share.indexable),
                    ),
                )
            except sqlite3.IntegrityError as e:
                raise Conflict(ALREADY_SHARED) from e
            record(conn, event)

        await self._db.transact(tx)
        return share.model_copy(update={"created_at": from_iso(iso(share.created_at))})

    async def set_indexable(
        self, guild_id: int, playlist_id: str, indexable: bool, *, at: datetime, event: NewEvent | None = None
    ) -> Share:
        def tx(conn: sqlite3.Connection) -> Share:
            _touch(conn, guild_id, playlist_id, at)
            row = fetch_one(
                conn,
                f"UPDATE shares SET indexable = ? WHERE guild_id = ? AND playlist_id = ? RETURNING {S_COLS}",
                (int(indexable), guild_id, playlist_id),
            )
            if row is None:
                raise playlist_missing()
            record(conn, event)
            return share_from_row(row)

        return await self._db.transact(tx)

    async def revoke(
        self, guild_id: int, playlist_id: str, *, at: datetime, event: NewEvent | None = None
    ) -> Share | None:
        def tx(conn: sqlite3.Connection) -> Share | None:
            row = fetch_one(
                conn,
                f"DELETE FROM shares WHERE guild_id = ? AND playlist_id = ? RETURNING {S_COLS}",
                (guild_id, playlist_id),
            )
            if row is None:  # nothing was on: record nothing (but say so if the playlist is gone)
                live = "SELECT 1 FROM playlists WHERE id = ? AND guild_id = ? AND deleted_at IS NULL"
                if fetch_one(conn, live, (playlist_id, guild_id)) is None:
                    raise playlist_missing()
                return None
            _touch(conn, guild_id, playlist_id, at)
            record(conn, event)
            return share_from_row(row)

        return await self._db.transact(tx)

    async def privacy(self, guild_id: int) -> SharePrivacy:
        row = await self._db.row(
            "SELECT share_server_name, share_member_names FROM guilds WHERE guild_id = ?", (guild_id,)
        )
        return SharePrivacy(guild_id=guild_id) if row is None else _privacy(guild_id, row)

    async def set_privacy(
        self, guild_id: int, *, server_name: bool | None = None, member_names: bool | None = None
    ) -> SharePrivacy:
        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            conn.execute("INSERT INTO guilds (guild_id) VALUES (?) ON CONFLICT DO NOTHING", (guild_id,))
            return fetch_one(
                conn,
                "UPDATE guilds SET share_server_name = coalesce(:s, share_server_name),"
                " share_member_names = coalesce(:m, share_member_names) WHERE guild_id = :g"
                " RETURNING share_server_name, share_member_names",
                {
                    "s": None if server_name is None else int(server_name),
                    "m": None if member_names is None else int(member_names),
                    "g": guild_id,
                },
            )

        row = await self._db.transact(tx)
        assert row is not None
        return _privacy(guild_id, row)


def _privacy(guild_id: int, row: sqlite3.Row) -> SharePrivacy:
    return SharePrivacy(guild_id=guild_id, server_name=bool(row[0]), member_names=bool(row[1]))
