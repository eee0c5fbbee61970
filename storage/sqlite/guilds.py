"""GuildRepository on SQLite: per-server settings (the manager roles, the default time zone)."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from functools import partial

from bot.domain.ports.storage import GuildSettings
from storage.sqlite.db import SqliteDatabase, execute, fetch_one, from_iso_opt, iso


class SqliteGuilds:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def settings(self, guild_id: int) -> GuildSettings:
        row = await self._db.row(
            "SELECT manager_role_ids, removed_at, timezone FROM guilds WHERE guild_id = ?", (guild_id,)
        )
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return _settings(guild_id, row)

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings:
        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            return fetch_one(
                conn,
                "INSERT INTO guilds (guild_id, timezone) VALUES (:g, :tz) ON CONFLICT (guild_id) DO UPDATE"
                " SET timezone = excluded.timezone RETURNING manager_role_ids, removed_at, timezone",
                {"g": guild_id, "tz": timezone},
            )

        row = await self._db.transact(tx)
        assert row is not None
        return _settings(guild_id, row)

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
                f"UPDATE guilds SET {col} = {expr} WHERE guild_id = :g RETURNING {col}, removed_at, timezone",
                {"v": role_id, "g": guild_id},
            )

        row = await self._db.transact(tx)
        assert row is not None
        return _settings(guild_id, row)

    async def mark_removed(self, guild_id: int, at: datetime | None) -> None:
        sql = (
            "INSERT INTO guilds (guild_id, removed_at) VALUES (?, ?)"
            " ON CONFLICT (guild_id) DO UPDATE SET removed_at = excluded.removed_at"
        )
        await self._db.transact(partial(execute, sql=sql, params=(guild_id, None if at is None else iso(at))))

    async def removed_before(self, before: datetime) -> list[int]:
        rows = await self._db.rows(
            "SELECT guild_id FROM guilds WHERE removed_at IS NOT NULL AND removed_at < ? ORDER BY guild_id",
            (iso(before),),
        )
        return [row[0] for row in rows]

    async def delete(self, guild_id: int, *, removed_before: datetime) -> bool:
        sql = "DELETE FROM guilds WHERE guild_id = ? AND removed_at IS NOT NULL AND removed_at < ? RETURNING guild_id"
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(guild_id, iso(removed_before))))
        return row is not None


def _settings(guild_id: int, row: sqlite3.Row) -> GuildSettings:
    """A guild row (manager_role_ids, removed_at, timezone) as settings."""
    return GuildSettings(
        guild_id=guild_id,
        manager_role_ids=tuple(json.loads(row[0])),
        removed_at=from_iso_opt(row[1]),
        timezone=row[2],
    )
