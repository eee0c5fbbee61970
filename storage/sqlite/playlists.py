"""PlaylistRepository on SQLite. Every write is one `BEGIN IMMEDIATE` transaction whose guards are in the
`UPDATE ... WHERE ... RETURNING` statements themselves, written as a synchronous function of the connection that
`SqliteDatabase.transact` runs whole on the writer thread; reads are single statements on the reader connection."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from bot.domain.models import Entry, NewEntry, NewPlaylist, Playlist, PlaylistMode
from bot.domain.ordering import append_key, between
from bot.domain.ports.storage import PlaylistStats
from storage.common import (
    MAX_KEY,
    clamp,
    collaborator_field,
    entry_missing,
    guild_full,
    key_for_gap,
    name_taken,
    new_id,
    playlist_full,
    playlist_missing,
    trash_missing,
    unique,
    utc,
)
from storage.sqlite import reads
from storage.sqlite.db import SqliteDatabase, fetch_all, fetch_one, iso
from storage.sqlite.rows import E_COLS, INSERT_ENTRY, P_COLS, entry_from_row, entry_params, playlist_from_row

LIVE = "id = ? AND guild_id = ? AND deleted_at IS NULL"
TOUCH = "revision = revision + 1, updated_at = ?"


class SqlitePlaylists:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    # -- playlists ------------------------------------------------------------------------------------------

    async def create(self, new: NewPlaylist, *, max_per_guild: int) -> Playlist:
        at = iso(new.created_at)

        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            _ensure_room(conn, new.guild_id, max_per_guild)
            try:
                return fetch_one(
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

        row = await self._db.transact(tx)
        assert row is not None
        return playlist_from_row(row)

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
    ) -> Playlist:
        changes = {"name": name, "name_key": name_key, "description": description, "mode": mode and mode.value}
        sets = [(f"{column} = ?", value) for column, value in changes.items() if value is not None]

        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            try:
                return fetch_one(
                    conn,
                    f"UPDATE playlists SET {''.join(s + ', ' for s, _ in sets)}{TOUCH} WHERE {LIVE} RETURNING {P_COLS}",
                    (*(v for _, v in sets), iso(at), playlist_id, guild_id),
                )
            except sqlite3.IntegrityError as e:
                raise name_taken(name or name_key or "") from e

        row = await self._db.transact(tx)
        if row is None:
            raise playlist_missing()
        return playlist_from_row(row)

    async def set_collaborator(
        self,
        guild_id: int,
        playlist_id: str,
        *,
        at: datetime,
        user_id: int | None = None,
        role_id: int | None = None,
        present: bool,
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
        row = await self._db.transact(partial(fetch_one, sql=sql, params=params))
        if row is None:
            raise playlist_missing()
        return playlist_from_row(row)

    async def soft_delete(self, guild_id: int, playlist_id: str, *, at: datetime) -> Playlist:
        sql = f"UPDATE playlists SET deleted_at = ?, {TOUCH} WHERE {LIVE} RETURNING {P_COLS}"
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(iso(at), iso(at), playlist_id, guild_id)))
        if row is None:
            raise playlist_missing()
        return playlist_from_row(row)

    async def restore(self, guild_id: int, playlist_id: str, *, at: datetime, max_per_guild: int) -> Playlist:

        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            trashed = fetch_one(
                conn,
                "SELECT name FROM playlists WHERE id = ? AND guild_id = ? AND deleted_at IS NOT NULL",
                (playlist_id, guild_id),
            )
            if trashed is None:
                raise trash_missing()
            _ensure_room(conn, guild_id, max_per_guild)
            try:
                return fetch_one(
                    conn,
                    f"UPDATE playlists SET deleted_at = NULL, {TOUCH} WHERE id = ? AND guild_id = ?"
                    f" AND deleted_at IS NOT NULL RETURNING {P_COLS}",
                    (iso(at), playlist_id, guild_id),
                )
            except sqlite3.IntegrityError as e:
                raise name_taken(trashed["name"]) from e

        row = await self._db.transact(tx)
        assert row is not None
        return playlist_from_row(row)

    async def purge_deleted(self, *, before: datetime) -> int:
        sql = "DELETE FROM playlists WHERE deleted_at IS NOT NULL AND deleted_at < ? RETURNING id"
        rows = await self._db.transact(partial(fetch_all, sql=sql, params=(iso(before),)))  # entries: ON DELETE CASCADE
        return len(rows)

    # -- entries --------------------------------------------------------------------------------------------

    async def append(
        self, guild_id: int, playlist_id: str, entries: Sequence[NewEntry], *, max_tracks: int, at: datetime
    ) -> builtins.list[Entry]:
        if not entries:
            return []
        n = len(entries)

        def tx(conn: sqlite3.Connection) -> builtins.list[Entry]:
            row = fetch_one(
                conn,
                f"UPDATE playlists SET track_count = track_count + ?, seq = seq + ?, {TOUCH}"
                f" WHERE {LIVE} AND track_count + ? <= ? RETURNING seq",
                (n, n, iso(at), playlist_id, guild_id, n, max_tracks),
            )
            if row is None:
                raise _refusal(conn, guild_id, playlist_id, max_tracks)
            first = row["seq"] - n + 1
            out = [
                Entry(
                    id=new_id(),
                    playlist_id=playlist_id,
                    guild_id=guild_id,
                    order_key=append_key(first + i),
                    track=e.track,
                    norm_key=e.norm_key,
                    added_by=e.added_by,
                    added_at=utc(e.added_at),
                )
                for i, e in enumerate(entries)
            ]
            conn.executemany(INSERT_ENTRY, [entry_params(e) for e in out])
            return out

        return await self._db.transact(tx)

    async def reinsert(
        self, guild_id: int, playlist_id: str, entries: Sequence[Entry], *, max_tracks: int, at: datetime
    ) -> builtins.list[Entry]:
        if not entries:
            return []
        n = len(entries)

        def tx(conn: sqlite3.Connection) -> builtins.list[Entry]:
            row = fetch_one(
                conn,
                f"UPDATE playlists SET track_count = track_count + ?, {TOUCH}"
                f" WHERE {LIVE} AND track_count + ? <= ? RETURNING id",
                (n, iso(at), playlist_id, guild_id, n, max_tracks),
            )
            if row is None:
                raise _refusal(conn, guild_id, playlist_id, max_tracks)
            out: builtins.list[Entry] = []
            for e in entries:
                if fetch_one(conn, "SELECT 1 FROM entries WHERE id = ?", (e.id,)):
                    continue  # already back (a repeated undo): keep it once
                key = _free_key(conn, playlist_id, e.order_key)
                entry = e.model_copy(update={"playlist_id": playlist_id, "guild_id": guild_id, "order_key": key})
                conn.execute(INSERT_ENTRY, entry_params(entry))
                out.append(entry)
            if len(out) < n:  # give back the slots of the entries that were already there
                conn.execute(
                    "UPDATE playlists SET track_count = track_count - ? WHERE id = ?", (n - len(out), playlist_id)
                )
            return out

        return sorted(await self._db.transact(tx), key=lambda e: e.order_key)

    async def entries(
        self, guild_id: int, playlist_id: str, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[Entry]:
        rows = await self._db.rows(
            f"SELECT {E_COLS} FROM entries WHERE playlist_id = ? AND guild_id = ? ORDER BY order_key LIMIT ? OFFSET ?",
            (playlist_id, guild_id, -1 if limit is None else limit, max(offset, 0)),
        )
        return [entry_from_row(r) for r in rows]

    async def entry_at(self, guild_id: int, playlist_id: str, position: int) -> Entry | None:
        if position < 1:
            return None
        page = await self.entries(guild_id, playlist_id, offset=position - 1, limit=1)
        return page[0] if page else None

    async def get_entry(self, guild_id: int, playlist_id: str, entry_id: str) -> Entry | None:
        row = await self._db.row(
            f"SELECT {E_COLS} FROM entries WHERE id = ? AND playlist_id = ? AND guild_id = ?",
            (entry_id, playlist_id, guild_id),
        )
        return None if row is None else entry_from_row(row)

    async def position_of(self, guild_id: int, playlist_id: str, entry_id: str) -> int | None:
        row = await self._db.row(
            "SELECT (SELECT COUNT(*) FROM entries o WHERE o.playlist_id = e.playlist_id AND o.order_key <= e.order_key)"
            " FROM entries e WHERE e.id = ? AND e.playlist_id = ? AND e.guild_id = ?",
            (entry_id, playlist_id, guild_id),
        )
        return None if row is None else int(row[0])

    async def stats(self, guild_id: int, playlist_id: str) -> PlaylistStats:
        return await reads.stats(self._db, guild_id, playlist_id)

    async def find_entries(
        self, guild_id: int, playlist_id: str, needle: str, *, limit: int = 25
    ) -> builtins.list[tuple[int, Entry]]:
        return await reads.find_entries(self._db, guild_id, playlist_id, needle, limit=limit)

    async def duplicates(self, guild_id: int, playlist_id: str) -> builtins.list[Entry]:
        return await reads.duplicates(self._db, guild_id, playlist_id)

    async def remove(
        self, guild_id: int, playlist_id: str, entry_ids: Sequence[str], *, at: datetime
    ) -> builtins.list[Entry]:
        ids = unique(entry_ids)
        if not ids:
            return []

        def tx(conn: sqlite3.Connection) -> builtins.list[sqlite3.Row]:
            rows = fetch_all(
                conn,
                f"DELETE FROM entries WHERE playlist_id = ? AND guild_id = ? AND id IN ({', '.join('?' * len(ids))})"
                f" RETURNING {E_COLS}",
                (playlist_id, guild_id, *ids),
            )
            if rows:
                conn.execute(
                    f"UPDATE playlists SET track_count = track_count - ?, {TOUCH} WHERE id = ? AND guild_id = ?",
                    (len(rows), iso(at), playlist_id, guild_id),
                )
            return rows

        rows = await self._db.transact(tx)
        return sorted((entry_from_row(r) for r in rows), key=lambda e: e.order_key)

    async def move(self, guild_id: int, playlist_id: str, entry_id: str, to_position: int, *, at: datetime) -> Entry:
        def tx(conn: sqlite3.Connection) -> Entry:
            entry, count = _lock_entry(conn, guild_id, playlist_id, entry_id, at)
            position = clamp(to_position, count)
            current = fetch_one(
                conn,
                "SELECT COUNT(*) FROM entries WHERE playlist_id = ? AND order_key <= ?",
                (playlist_id, entry.order_key),
            )
            if current is not None and current[0] == position:
                return entry
            neighbours = fetch_all(
                conn,
                "SELECT order_key FROM entries WHERE playlist_id = ? AND id <> ? ORDER BY order_key LIMIT 2 OFFSET ?",
                (playlist_id, entry_id, max(position - 2, 0)),
            )
            key = key_for_gap(position, [r[0] for r in neighbours])
            return _rekey(conn, entry, key)

        return await self._db.transact(tx)

    async def set_order_key(
        self, guild_id: int, playlist_id: str, entry_id: str, order_key: str, *, at: datetime
    ) -> Entry:
        def tx(conn: sqlite3.Connection) -> Entry:
            entry, _ = _lock_entry(conn, guild_id, playlist_id, entry_id, at)
            if entry.order_key == order_key:
                return entry
            return _rekey(conn, entry, _free_key(conn, playlist_id, order_key))

        return await self._db.transact(tx)


# -- helpers (synchronous: they run on the writer thread, inside the caller's transaction) ----------------------


def _ensure_room(conn: sqlite3.Connection, guild_id: int, max_per_guild: int) -> None:
    row = fetch_one(conn, "SELECT COUNT(*) FROM playlists WHERE guild_id = ? AND deleted_at IS NULL", (guild_id,))
    if row is not None and row[0] >= max_per_guild:
        raise guild_full(max_per_guild)


def _refusal(conn: sqlite3.Connection, guild_id: int, playlist_id: str, max_tracks: int) -> Exception:
    """Why a guarded slot reservation matched nothing: the playlist is gone, or it is full."""
    live = fetch_one(conn, f"SELECT 1 FROM playlists WHERE {LIVE}", (playlist_id, guild_id))
    return playlist_full(max_tracks) if live else playlist_missing()


def _lock_entry(
    conn: sqlite3.Connection, guild_id: int, playlist_id: str, entry_id: str, at: datetime
) -> tuple[Entry, int]:
    """The entry and its playlist's track count; bumps the playlist's revision. NotFound if either is gone."""
    playlist = fetch_one(
        conn, f"UPDATE playlists SET {TOUCH} WHERE {LIVE} RETURNING track_count", (iso(at), playlist_id, guild_id)
    )
    if playlist is None:
        raise playlist_missing()
    row = fetch_one(conn, f"SELECT {E_COLS} FROM entries WHERE id = ? AND playlist_id = ?", (entry_id, playlist_id))
    if row is None:
        raise entry_missing()
    return entry_from_row(row), int(playlist[0])


def _free_key(conn: sqlite3.Connection, playlist_id: str, key: str) -> str:
    """`key` if no entry holds it, else the nearest free key after it."""
    while fetch_one(conn, "SELECT 1 FROM entries WHERE playlist_id = ? AND order_key = ?", (playlist_id, key)):
        nxt = fetch_one(
            conn,
            "SELECT MIN(order_key) FROM entries WHERE playlist_id = ? AND order_key > ?",
            (playlist_id, key),
        )
        key = between(key, nxt[0] if nxt else None)
    return key


def _rekey(conn: sqlite3.Connection, entry: Entry, key: str) -> Entry:
    conn.execute("UPDATE entries SET order_key = ? WHERE id = ?", (key, entry.id))
    return entry.model_copy(update={"order_key": key})
