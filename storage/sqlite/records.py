"""The small repositories on SQLite: events (audit log), guild settings, linked accounts, the Last.fm cache."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from functools import partial
from typing import Any

from bot.domain.models import Account, EventAction, NewEvent, PlaylistEvent
from bot.domain.ports.storage import CachedValue, GuildSettings
from storage.common import jsonable, new_id, utc
from storage.sqlite.db import SqliteDatabase, execute, fetch_one, from_iso, iso

EV_COLS = "id, guild_id, playlist_id, actor_id, action, summary, data, at, undone"


def _event(row: sqlite3.Row) -> PlaylistEvent:
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


class SqliteEvents:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def append(self, event: NewEvent) -> PlaylistEvent:
        out = PlaylistEvent(
            id=new_id(), **event.model_dump(exclude={"data", "at"}), data=jsonable(event.data), at=utc(event.at)
        )
        await self._db.transact(
            partial(
                execute,
                sql=f"INSERT INTO events ({EV_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
                params=(
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
        )
        return out

    async def list(self, guild_id: int, *, playlist_id: str | None = None, limit: int = 25) -> list[PlaylistEvent]:
        where, params = self._where(guild_id, None, playlist_id)
        rows = await self._db.rows(
            f"SELECT {EV_COLS} FROM events WHERE {where} ORDER BY at DESC, id DESC LIMIT ?", (*params, limit)
        )
        return [_event(r) for r in rows]

    async def last_undoable(
        self, guild_id: int, *, actor_id: int | None = None, playlist_id: str | None = None
    ) -> PlaylistEvent | None:
        where, params = self._where(guild_id, actor_id, playlist_id)
        row = await self._db.row(
            f"SELECT {EV_COLS} FROM events WHERE {where} AND undone = 0 AND action <> ?"
            " ORDER BY at DESC, id DESC LIMIT 1",
            (*params, EventAction.UNDO.value),
        )
        return None if row is None else _event(row)

    async def mark_undone(self, guild_id: int, event_id: str, *, undone: bool = True) -> bool:
        sql = "UPDATE events SET undone = ? WHERE id = ? AND guild_id = ? AND undone = ? RETURNING id"
        params = (int(undone), event_id, guild_id, int(not undone))
        row = await self._db.transact(partial(fetch_one, sql=sql, params=params))
        return row is not None

    @staticmethod
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


class SqliteGuilds:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def settings(self, guild_id: int) -> GuildSettings:
        row = await self._db.row("SELECT manager_role_ids FROM guilds WHERE guild_id = ?", (guild_id,))
        roles = () if row is None else tuple(json.loads(row[0]))
        return GuildSettings(guild_id=guild_id, manager_role_ids=roles)

    async def set_manager_role(self, guild_id: int, role_id: int, *, present: bool) -> GuildSettings:
        col = "manager_role_ids"
        if present:
            expr = f"CASE WHEN EXISTS (SELECT 1 FROM json_each({col}) WHERE value = :v) THEN {col} ELSE json_insert({col}, '$[#]', :v) END"  # noqa: E501
        else:
            expr = f"(SELECT json_group_array(value) FROM json_each({col}) WHERE value <> :v)"

        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            conn.execute("INSERT INTO guilds (guild_id) VALUES (:g) ON CONFLICT DO NOTHING", {"g": guild_id})
            return fetch_one(
                conn,
                f"UPDATE guilds SET {col} = {expr} WHERE guild_id = :g RETURNING {col}",
                {"v": role_id, "g": guild_id},
            )

        row = await self._db.transact(tx)
        assert row is not None
        return GuildSettings(guild_id=guild_id, manager_role_ids=tuple(json.loads(row[0])))


class SqliteAccounts:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def link(self, account: Account) -> None:
        await self._db.transact(
            partial(
                execute,
                sql="INSERT INTO accounts (user_id, lastfm_username, linked_at, mix_consent) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET lastfm_username = excluded.lastfm_username,"
                " linked_at = excluded.linked_at, mix_consent = excluded.mix_consent",
                params=(account.user_id, account.lastfm_username, iso(account.linked_at), int(account.mix_consent)),
            )
        )

    async def get(self, user_id: int) -> Account | None:
        row = await self._db.row(
            "SELECT user_id, lastfm_username, linked_at, mix_consent FROM accounts WHERE user_id = ?", (user_id,)
        )
        return None if row is None else _account(row)

    async def unlink(self, user_id: int) -> bool:
        sql = "DELETE FROM accounts WHERE user_id = ? RETURNING user_id"
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(user_id,)))
        return row is not None

    async def set_consent(self, user_id: int, consent: bool) -> Account | None:
        sql = (
            "UPDATE accounts SET mix_consent = ? WHERE user_id = ?"
            " RETURNING user_id, lastfm_username, linked_at, mix_consent"
        )
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(int(consent), user_id)))
        return None if row is None else _account(row)


def _account(row: sqlite3.Row) -> Account:
    return Account(user_id=row[0], lastfm_username=row[1], linked_at=from_iso(row[2]), mix_consent=bool(row[3]))


class SqliteCache:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def get(self, key: str, *, now: datetime) -> CachedValue | None:
        row = await self._db.row(
            "SELECT key, value, stored_at, fresh_until, expires_at FROM cache WHERE key = ? AND expires_at > ?",
            (key, iso(now)),
        )
        if row is None:
            return None
        return CachedValue(
            key=row[0],
            value=json.loads(row[1]),
            stored_at=from_iso(row[2]),
            fresh_until=from_iso(row[3]),
            expires_at=from_iso(row[4]),
        )

    async def put(self, key: str, value: Any, *, now: datetime, fresh_until: datetime, expires_at: datetime) -> None:
        text = json.dumps(jsonable(value))

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO cache (key, value, stored_at, fresh_until, expires_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at,"
                " fresh_until = excluded.fresh_until, expires_at = excluded.expires_at",
                (key, text, iso(now), iso(fresh_until), iso(expires_at)),
            )
            # Expired rows go lazily (MongoDB's TTL index does this on its own): a few per write keeps it cheap.
            conn.execute(
                "DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE expires_at <= ? LIMIT 16)", (iso(now),)
            )

        await self._db.transact(tx)
