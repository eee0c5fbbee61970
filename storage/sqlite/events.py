"""EventRepository on SQLite: the audit log. `record` writes an event inside the transaction of the change it
describes (the change and its event commit together or not at all)."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

from bot.domain.models import EventAction, NewEvent, PlaylistEvent
from storage.common import (
    UNDO_KEEPS_ENTRIES,
    already_undone,
    event_record,
    forget_in_collaborator,
    forget_in_data,
    undone_target,
)
from storage.sqlite.db import SqliteDatabase, fetch_all, fetch_one, from_iso, iso

EV_COLS = "id, guild_id, playlist_id, actor_id, action, summary, data, at, undone"


def event_from_row(row: sqlite3.Row) -> PlaylistEvent:
    return PlaylistEvent(
        id=row["id"],
        guild_id=row["guild_id"],
        playlist_id=row["playlist_id"],
        actor_id=row["actor_id"],
        action=EventAction(row["action"]),
        summary=row["summary"],
        data=json.loads(row["data"]),
        at=from_iso(row["at"]),
        undone=bool(row["undone"]),
    )


def record(conn: sqlite3.Connection, event: NewEvent | None) -> PlaylistEvent | None:
    """Write `event` in the caller's transaction (an undo also marks its target undone, Conflict if it was)."""
    if event is None:
        return None
    target = undone_target(event)
    if target is not None and not _set_undone(conn, event.guild_id, target, True):
        raise already_undone()
    out = event_record(event)
    conn.execute(
        f"INSERT INTO events ({EV_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
        (
            out.id,
            out.guild_id,
            out.playlist_id,
            out.actor_id,
            out.action.value,
            out.summary,
            json.dumps(out.data),
            iso(out.at),
        ),
    )
    return out


def record_for[R](conn: sqlite3.Connection, result: R, event: Callable[[R], NewEvent | None] | None) -> R:
    """Record the event built from a write's result (in the same transaction) and hand the result back."""
    if event is not None:
        record(conn, event(result))
    return result


def _set_undone(conn: sqlite3.Connection, guild_id: int, event_id: str, undone: bool) -> bool:
    sql = "UPDATE events SET undone = ? WHERE id = ? AND guild_id = ? AND undone = ? RETURNING id"
    return fetch_one(conn, sql, (int(undone), event_id, guild_id, int(not undone))) is not None


class SqliteEvents:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def append(self, event: NewEvent) -> PlaylistEvent:
        out = await self._db.transact(partial(record, event=event))
        assert out is not None
        return out

    async def list(
        self, guild_id: int, *, playlist_id: str | None = None, actor_id: int | None = None, limit: int = 25
    ) -> list[PlaylistEvent]:
        where, params = _where(guild_id, actor_id, playlist_id)
        rows = await self._db.rows(
            f"SELECT {EV_COLS} FROM events WHERE {where} ORDER BY at DESC, id DESC LIMIT ?", (*params, limit)
        )
        return [event_from_row(r) for r in rows]

    async def last_undoable(
        self, guild_id: int, *, actor_id: int | None = None, playlist_id: str | None = None
    ) -> PlaylistEvent | None:
        where, params = _where(guild_id, actor_id, playlist_id)
        row = await self._db.row(
            f"SELECT {EV_COLS} FROM events WHERE {where} AND undone = 0 AND action <> ?"
            " ORDER BY at DESC, id DESC LIMIT 1",
            (*params, EventAction.UNDO.value),
        )
        return None if row is None else event_from_row(row)

    async def mark_undone(self, guild_id: int, event_id: str, *, undone: bool = True) -> bool:
        return await self._db.transact(lambda conn: _set_undone(conn, guild_id, event_id, undone))

    async def forget_user(self, user_id: int) -> int:
        def tx(conn: sqlite3.Connection) -> int:
            changed = len(fetch_all(conn, "UPDATE events SET actor_id = 0 WHERE actor_id = ? RETURNING id", (user_id,)))
            kept = fetch_all(conn, "SELECT id, data FROM events WHERE action IN (?, ?)", UNDO_KEEPS_ENTRIES)
            for row in kept:
                scrubbed = forget_in_data(json.loads(row["data"]), user_id)
                if scrubbed is not None:
                    conn.execute("UPDATE events SET data = ? WHERE id = ?", (json.dumps(scrubbed), row["id"]))
            about = fetch_all(
                conn, "SELECT id, summary, data FROM events WHERE action = ?", (EventAction.COLLABORATORS.value,)
            )
            for row in about:
                forgotten = forget_in_collaborator(row["summary"], json.loads(row["data"]), user_id)
                if forgotten is not None:
                    summary, data = forgotten
                    conn.execute(
                        "UPDATE events SET summary = ?, data = ? WHERE id = ?", (summary, json.dumps(data), row["id"])
                    )
            return changed

        return await self._db.transact(tx)

    async def delete_guild(self, guild_id: int) -> int:
        sql = "DELETE FROM events WHERE guild_id = ? RETURNING id"
        return len(await self._db.transact(partial(fetch_all, sql=sql, params=(guild_id,))))


def _where(guild_id: int, actor_id: int | None, playlist_id: str | None) -> tuple[str, tuple[Any, ...]]:
    clauses: list[str] = ["guild_id = ?"]
    params: list[Any] = [guild_id]
    if playlist_id is not None:
        clauses.append("playlist_id = ?")
        params.append(playlist_id)
    if actor_id is not None:
        clauses.append("actor_id = ?")
        params.append(actor_id)
    return " AND ".join(clauses), tuple(params)
