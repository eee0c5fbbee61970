"""EntryRepository on SQLite: one row per track, ordered by order_key. Each write is one transaction holding the
change and its event; aggregate reads (totals, search with positions, repeats) are computed in SQL so a
10,000-track playlist is never loaded to show ten of them."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from bot.domain.models import Entry, NewEntry, NewEvent
from bot.domain.ordering import between
from bot.domain.ports.storage import EventFor, Moved, PlaylistStats
from storage.common import appended, clamp, entry_missing, key_for_gap, playlist_full, playlist_missing, unique
from storage.sqlite.codec import E_COLS, INSERT_ENTRY, entry_from_row, entry_params
from storage.sqlite.db import SqliteDatabase, fetch_all, fetch_one, iso
from storage.sqlite.events import record, record_for

LIVE = "id = ? AND guild_id = ? AND deleted_at IS NULL"
TOUCH = "revision = revision + 1, updated_at = ?"
SCOPE = "playlist_id = ? AND guild_id = ?"


class SqliteEntries:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def append(
        self,
        guild_id: int,
        playlist_id: str,
        entries: Sequence[NewEntry],
        *,
        max_tracks: int,
        at: datetime,
        event: EventFor[builtins.list[Entry]] | None = None,
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
            out = appended(guild_id, playlist_id, entries, row["seq"] - n + 1)
            conn.executemany(INSERT_ENTRY, [entry_params(e) for e in out])
            return record_for(conn, out, event)

        return await self._db.transact(tx)

    async def reinsert(
        self,
        guild_id: int,
        playlist_id: str,
        entries: Sequence[Entry],
        *,
        max_tracks: int,
        at: datetime,
        event: NewEvent | None = None,
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
            record(conn, event)
            return out

        return sorted(await self._db.transact(tx), key=lambda e: e.order_key)

    async def page(
        self, guild_id: int, playlist_id: str, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[Entry]:
        return await self._db.read(lambda conn: _page(conn, guild_id, playlist_id, offset, limit))

    async def view(
        self, guild_id: int, playlist_id: str, *, offset: int, limit: int
    ) -> tuple[PlaylistStats, builtins.list[Entry]]:
        """Totals and one page, read together (one trip to the reader)."""

        def read(conn: sqlite3.Connection) -> tuple[PlaylistStats, builtins.list[Entry]]:
            return _stats(conn, guild_id, playlist_id), _page(conn, guild_id, playlist_id, offset, limit)

        return await self._db.read(read)

    async def entry_at(self, guild_id: int, playlist_id: str, position: int) -> Entry | None:
        if position < 1:
            return None
        page = await self.page(guild_id, playlist_id, offset=position - 1, limit=1)
        return page[0] if page else None

    async def get(self, guild_id: int, playlist_id: str, entry_id: str) -> Entry | None:
        row = await self._db.row(
            f"SELECT {E_COLS} FROM entries WHERE id = ? AND {SCOPE}", (entry_id, playlist_id, guild_id)
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
        return await self._db.read(lambda conn: _stats(conn, guild_id, playlist_id))

    async def find(
        self, guild_id: int, playlist_id: str, needle: str, *, limit: int = 25
    ) -> builtins.list[tuple[int, Entry]]:
        rows = await self._db.rows(
            f"SELECT * FROM (SELECT ROW_NUMBER() OVER (ORDER BY order_key) AS position, {E_COLS} FROM entries"
            f" WHERE {SCOPE}) WHERE instr(casefold(artist || ' - ' || title), ?) > 0 ORDER BY position LIMIT ?",
            (playlist_id, guild_id, needle.casefold(), limit),
        )
        return [(int(r["position"]), entry_from_row(r)) for r in rows]

    async def find_key(self, guild_id: int, playlist_id: str, norm_key: str) -> tuple[int, Entry] | None:
        row = await self._db.row(
            f"SELECT {E_COLS}, (SELECT COUNT(*) FROM entries o WHERE o.playlist_id = e.playlist_id"
            f" AND o.order_key <= e.order_key) AS position FROM entries e WHERE {SCOPE} AND norm_key = ?"
            " ORDER BY order_key LIMIT 1",
            (playlist_id, guild_id, norm_key),
        )
        return None if row is None else (int(row["position"]), entry_from_row(row))

    async def duplicates(self, guild_id: int, playlist_id: str) -> builtins.list[Entry]:
        rows = await self._db.rows(
            f"SELECT * FROM (SELECT ROW_NUMBER() OVER (PARTITION BY norm_key ORDER BY order_key) AS nth, {E_COLS}"
            f" FROM entries WHERE {SCOPE}) WHERE nth > 1 ORDER BY order_key",
            (playlist_id, guild_id),
        )
        return [entry_from_row(r) for r in rows]

    async def remove(
        self,
        guild_id: int,
        playlist_id: str,
        entry_ids: Sequence[str],
        *,
        at: datetime,
        event: EventFor[builtins.list[Entry]] | None = None,
    ) -> builtins.list[Entry]:
        ids = unique(entry_ids)
        if not ids:
            return []

        def tx(conn: sqlite3.Connection) -> builtins.list[Entry]:
            if fetch_one(conn, f"SELECT 1 FROM playlists WHERE {LIVE}", (playlist_id, guild_id)) is None:
                raise playlist_missing()
            rows = fetch_all(
                conn,
                f"DELETE FROM entries WHERE {SCOPE} AND id IN ({', '.join('?' * len(ids))}) RETURNING {E_COLS}",
                (playlist_id, guild_id, *ids),
            )
            if rows:
                conn.execute(
                    f"UPDATE playlists SET track_count = track_count - ?, {TOUCH} WHERE id = ? AND guild_id = ?",
                    (len(rows), iso(at), playlist_id, guild_id),
                )
            removed = sorted((entry_from_row(r) for r in rows), key=lambda e: e.order_key)
            return record_for(conn, removed, event)

        return await self._db.transact(tx)

    async def move(
        self,
        guild_id: int,
        playlist_id: str,
        entry_id: str,
        to_position: int,
        *,
        at: datetime,
        event: EventFor[Moved] | None = None,
    ) -> Moved:
        def tx(conn: sqlite3.Connection) -> Moved:
            entry, count = _lock_entry(conn, guild_id, playlist_id, entry_id, at)
            position = clamp(to_position, count)
            current = fetch_one(
                conn,
                "SELECT COUNT(*) FROM entries WHERE playlist_id = ? AND order_key <= ?",
                (playlist_id, entry.order_key),
            )
            if current is None or current[0] != position:
                neighbours = fetch_all(
                    conn,
                    "SELECT order_key FROM entries WHERE playlist_id = ? AND id <> ? ORDER BY order_key LIMIT 2"
                    " OFFSET ?",
                    (playlist_id, entry_id, max(position - 2, 0)),
                )
                entry = _rekey(conn, entry, key_for_gap(position, [r[0] for r in neighbours]))
            return record_for(conn, Moved(entry, position), event)

        return await self._db.transact(tx)

    async def set_order_key(
        self,
        guild_id: int,
        playlist_id: str,
        entry_id: str,
        order_key: str,
        *,
        at: datetime,
        event: NewEvent | None = None,
    ) -> Entry:
        def tx(conn: sqlite3.Connection) -> Entry:
            entry, _ = _lock_entry(conn, guild_id, playlist_id, entry_id, at)
            if entry.order_key != order_key:
                entry = _rekey(conn, entry, _free_key(conn, playlist_id, order_key))
            record(conn, event)
            return entry

        return await self._db.transact(tx)

    async def forget_user(self, user_id: int) -> int:
        sql = "UPDATE entries SET added_by = 0 WHERE added_by = ? RETURNING id"
        return len(await self._db.transact(partial(fetch_all, sql=sql, params=(user_id,))))


# -- helpers (synchronous: they run on the writer or reader thread, inside the caller's call) -------------------


def _page(conn: sqlite3.Connection, guild_id: int, playlist_id: str, offset: int, limit: int | None) -> list[Entry]:
    rows = fetch_all(
        conn,
        f"SELECT {E_COLS} FROM entries WHERE {SCOPE} ORDER BY order_key LIMIT ? OFFSET ?",
        (playlist_id, guild_id, -1 if limit is None else limit, max(offset, 0)),
    )
    return [entry_from_row(r) for r in rows]


def _stats(conn: sqlite3.Connection, guild_id: int, playlist_id: str) -> PlaylistStats:
    totals = fetch_one(
        conn,
        "SELECT COUNT(*), COALESCE(SUM(duration_s), 0), COALESCE(SUM(COALESCE(duration_s, 0) <= 0), 0)"
        f" FROM entries WHERE {SCOPE}",
        (playlist_id, guild_id),
    )
    people = fetch_all(
        conn,
        f"SELECT added_by, COUNT(*) AS n FROM entries WHERE {SCOPE} GROUP BY added_by ORDER BY n DESC, added_by",
        (playlist_id, guild_id),
    )
    assert totals is not None  # an aggregate always returns one row
    return PlaylistStats(
        total=totals[0],
        total_duration_s=totals[1],
        unknown_durations=totals[2],
        contributors=tuple((r[0], r[1]) for r in people),
    )


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
