"""GuildRepository on MongoDB: per-server settings (manager roles, default time zone; the live-playlist and
schedule counters live here too)."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.ports.storage import GuildSettings
from storage.mongo.db import MongoDatabase


class MongoGuilds:
    def __init__(self, db: MongoDatabase) -> None:
        self._guilds = db.guilds

    async def settings(self, guild_id: int) -> GuildSettings:
        doc = await self._guilds.find_one({"_id": guild_id}, {"manager_role_ids": True, "timezone": True})
        return _settings(guild_id, doc)

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings:
        update = {"$set": {"timezone": timezone}, "$setOnInsert": {"manager_role_ids": [], "live_playlists": 0}}
        return await self._upsert(guild_id, update)

    async def set_manager_role(self, guild_id: int, role_id: int, *, present: bool) -> GuildSettings:
        update = {
            "$addToSet" if present else "$pull": {"manager_role_ids": role_id},
            "$setOnInsert": {"live_playlists": 0},
        }
        return await self._upsert(guild_id, update)

    async def _upsert(self, guild_id: int, update: dict[str, Any]) -> GuildSettings:
        for _ in range(2):  # two first writes for one guild can race on the upsert: the loser retries as an update
            try:
                doc = await self._guilds.find_one_and_update(
                    {"_id": guild_id},
                    update,
                    {"manager_role_ids": True, "timezone": True},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                break
            except DuplicateKeyError:
                continue
        else:
            raise RuntimeError("guild settings upsert kept conflicting")
        assert doc is not None
        return _settings(guild_id, doc)


def _settings(guild_id: int, doc: dict[str, Any] | None) -> GuildSettings:
    if doc is None:
        return GuildSettings(guild_id=guild_id)
    return GuildSettings(
        guild_id=guild_id, manager_role_ids=tuple(doc.get("manager_role_ids", ())), timezone=doc.get("timezone")
    )
