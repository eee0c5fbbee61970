"""GuildRepository on SQLite: per-server settings (the manager roles, the default time zone)."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import json
import sqlite3

from bot.domain.ports.storage import GuildSettings
from storage.sqlite.db import SqliteDatabase, fetch_one


class SqliteGuilds:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def settings(self, guild_id: int) -> GuildSettings:
        row = await self._db.row("SELECT manager_role_ids, timezone FROM guilds WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id=guild_id)
        return GuildSettings(guild_id=guild_id, manager_role_ids=tuple(json.loads(row[0])), timezone=row[1])

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings:
        def tx(conn: sqlite3.Connection) -> sqlite3.Row | None:
            return fetch_one(
                conn,
                "INSERT INTO guilds (guild_id, timezone) VALUES (:g, :tz) ON CONFLICT (guild_id) DO UPDATE"
                " SET timezone = excluded.timezone RETURNING manager_role_ids, timezone",
                {"g": guild_id, "tz": timezone},
            )

        row = await self._db.transact(tx)
        assert row is not None
        return GuildSettings(guild_id=guild_id, manager_role_ids=tuple(json.loads(row[0])), timezone=row[1])

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
                f"UPDATE guilds SET {col} = {expr} WHERE guild_id = :g RETURNING {col}, timezone",
                {"v": role_id, "g": guild_id},
            )

        row = await self._db.transact(tx)
        assert row is not None
        return GuildSettings(guild_id=guild_id, manager_role_ids=tuple(json.loads(row[0])), timezone=row[1])
