"""PlaylistRepository on SQLite. Every write is one `BEGIN IMMEDIATE` transaction, the change and its event
together, whose guards are in the `UPDATE ... WHERE ... RETURNING` statements themselves, written as a synchronous
function of the connection that `SqliteDatabase.transact` runs whole on the writer thread; reads are single
statements on the reader connection."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import sqlite3
from datetime import datetime
from functools import partial

from bot.domain.models import NewEvent, NewPlaylist, Playlist, PlaylistMode
from bot.domain.ports.storage import EventFor
from storage.common import (
    MAX_KEY,
    collaborator_field,
    guild_full,
    name_taken,
    new_id,
    playlist_missing,
    trash_missing,
)
from storage.sqlite.codec import P_COLS, playlist_from_row
from storage.sqlite.db import Params, SqliteDatabase, fetch_all, fetch_one, iso
from storage.sqlite.events import record, record_for

LIVE = "id = ? AND guild_id = ? AND deleted_at IS NULL"
TOUCH = "revision = revision + 1, updated_at = ?"


class SqlitePlaylists:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def create(
        self, new: NewPlaylist, *, max_per_guild: int, event: EventFor[Playlist] | None = None
    ) -> Playlist:
        at = iso(new.created_at)

        def tx(conn: sqlite3.Connection) -> Playlist:
            _ensure_room(conn, new.guild_id, max_per_guild)
            try:
                row = fetch_one(
                    conn,
                    "INSERT INTO playlists (id, guild_id, name, name_key, description, owner_id, mode, created_at,"
                    f" updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {P_COLS}",
                    (
                        new_id(),
                        new.guild_id,
                        new.name,
                        new.name_key,
                        new.description,
                        new.owner_id,
                        new.mode.value,
                        at,
                        at,
                    ),
                )
            except sqlite3.IntegrityError as e:
                raise name_taken(new.name) from e
            assert row is not None
            return record_for(conn, playlist_from_row(row), event)

        return await self._db.transact(tx)

    async def get(self, guild_id: int, playlist_id: str) -> Playlist | None:
        row = await self._db.row(
            f"SELECT {P_COLS} FROM playlists WHERE id = ? AND guild_id = ?", (playlist_id, guild_id)
        )
        return None if row is None else playlist_from_row(row)

    async def get_by_name(self, guild_id: int, name_key: str, *, deleted: bool = False) -> Playlist | None:
        trash = "IS NOT NULL ORDER BY deleted_at DESC, id DESC LIMIT 1" if deleted else "IS NULL"
        row = await self._db.row(
            f"SELECT {P_COLS} FROM playlists WHERE guild_id = ? AND name_key = ? AND deleted_at {trash}",
            (guild_id, name_key),
        )
        return None if row is None else playlist_from_row(row)

    async def list(
        self, guild_id: int, *, deleted: bool = False, prefix: str = "", limit: int = 1000
    ) -> list[Playlist]:
        rows = await self._db.rows(
            f"SELECT {P_COLS} FROM playlists WHERE guild_id = ? AND deleted_at IS {'NOT ' if deleted else ''}NULL"
            " AND name_key >= ? AND name_key < ? ORDER BY name_key, id LIMIT ?",
            (guild_id, prefix, prefix + MAX_KEY, limit),
        )
        return [playlist_from_row(r) for r in rows]

    async def update(
        self,
        guild_id: int,
        playlist_id: str,
        *,
        at: datetime,
        name: str | None = None,
        name_key: str | None = None,
        description: str | None = None,
        mode: PlaylistMode | None = None,
        event: NewEvent | None = None,
    ) -> Playlist:
        changes = {"name": name, "name_key": name_key, "description": description, "mode": mode and mode.value}
        sets = [(f"{column} = ?", value) for column, value in changes.items() if value is not None]
        sql = f"UPDATE playlists SET {''.join(s + ', ' for s, _ in sets)}{TOUCH} WHERE {LIVE} RETURNING {P_COLS}"
        params = (*(v for _, v in sets), iso(at), playlist_id, guild_id)
        return await self._db.transact(partial(_change, sql=sql, params=params, event=event, name=name or name_key))

    async def set_collaborator(
        self,
        guild_id: int,
        playlist_id: str,
        *,
        at: datetime,
        user_id: int | None = None,
        role_id: int | None = None,
        present: bool,
        event: NewEvent | None = None,
    ) -> Playlist:
        col, value = collaborator_field(user_id, role_id)
        if present:  # append unless already there: the JSON array behaves as an ordered set
            expr = f"CASE WHEN EXISTS (SELECT 1 FROM json_each({col}) WHERE value = :v) THEN {col} ELSE json_insert({col}, '$[#]', :v) END"  # noqa: E501
        else:
            expr = f"(SELECT json_group_array(value) FROM json_each({col}) WHERE value <> :v)"
        sql = (
            f"UPDATE playlists SET {col} = {expr}, revision = revision + 1, updated_at = :at"
            f" WHERE id = :id AND guild_id = :g AND deleted_at IS NULL RETURNING {P_COLS}"
        )
        params = {"v": value, "at": iso(at), "id": playlist_id, "g": guild_id}
        return await self._db.transact(partial(_change, sql=sql, params=params, event=event))

    async def soft_delete(
        self, guild_id: int, playlist_id: str, *, at: datetime, event: NewEvent | None = None
    ) -> Playlist:
        sql = f"UPDATE playlists SET deleted_at = ?, {TOUCH} WHERE {LIVE} RETURNING {P_COLS}"
        params = (iso(at), iso(at), playlist_id, guild_id)
        return await self._db.transact(partial(_change, sql=sql, params=params, event=event))

    async def restore(
        self, guild_id: int, playlist_id: str, *, at: datetime, max_per_guild: int, event: NewEvent | None = None
    ) -> Playlist:
        def tx(conn: sqlite3.Connection) -> Playlist:
            trashed = fetch_one(
                conn,
                "SELECT name FROM playlists WHERE id = ? AND guild_id = ? AND deleted_at IS NOT NULL",
                (playlist_id, guild_id),
            )
            if trashed is None:
                raise trash_missing()
            _ensure_room(conn, guild_id, max_per_guild)
            sql = (
                f"UPDATE playlists SET deleted_at = NULL, {TOUCH} WHERE id = ? AND guild_id = ?"
                f" AND deleted_at IS NOT NULL RETURNING {P_COLS}"
            )
            return _change(conn, sql, (iso(at), playlist_id, guild_id), event=event, name=trashed["name"])

        return await self._db.transact(tx)

    async def purge_deleted(self, *, before: datetime) -> int:
        sql = "DELETE FROM playlists WHERE deleted_at IS NOT NULL AND deleted_at < ? RETURNING id"
        rows = await self._db.transact(partial(fetch_all, sql=sql, params=(iso(before),)))  # entries: ON DELETE CASCADE
        return len(rows)


# -- helpers (synchronous: they run on the writer thread, inside the caller's transaction) ----------------------


def _change(
    conn: sqlite3.Connection, sql: str, params: Params, *, event: NewEvent | None, name: str | None = None
) -> Playlist:
    """One guarded `UPDATE ... RETURNING` of a playlist and its event; NotFound if nothing matched, Conflict on
    a name clash."""
    try:
        row = fetch_one(conn, sql, params)
    except sqlite3.IntegrityError as e:
        raise name_taken(name or "") from e
    if row is None:
        raise playlist_missing()
    playlist = playlist_from_row(row)
    record(conn, event)
    return playlist


def _ensure_room(conn: sqlite3.Connection, guild_id: int, max_per_guild: int) -> None:
    row = fetch_one(conn, "SELECT COUNT(*) FROM playlists WHERE guild_id = ? AND deleted_at IS NULL", (guild_id,))
    if row is not None and row[0] >= max_per_guild:
        raise guild_full(max_per_guild)
