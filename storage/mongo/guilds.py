"""GuildRepository on MongoDB: per-server settings (the manager roles, and the live-playlist counter)."""

from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.ports.storage import GuildSettings
from storage.mongo.db import MongoDatabase


class MongoGuilds:
    def __init__(self, db: MongoDatabase) -> None:
        self._guilds = db.guilds

    async def settings(self, guild_id: int) -> GuildSettings:
        doc = await self._guilds.find_one({"_id": guild_id}, {"manager_role_ids": True})
        return GuildSettings(guild_id=guild_id, manager_role_ids=tuple(doc.get("manager_role_ids", ())) if doc else ())

    async def set_manager_role(self, guild_id: int, role_id: int, *, present: bool) -> GuildSettings:
        update = {
            "$addToSet" if present else "$pull": {"manager_role_ids": role_id},
            "$setOnInsert": {"live_playlists": 0},
        }
        for _ in range(2):  # two first writes for one guild can race on the upsert: the loser retries as an update
            try:
                doc = await self._guilds.find_one_and_update(
                    {"_id": guild_id},
                    update,
                    {"manager_role_ids": True},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                break
            except DuplicateKeyError:
                continue
        else:
            raise RuntimeError("guild settings upsert kept conflicting")
        assert doc is not None
        return GuildSettings(guild_id=guild_id, manager_role_ids=tuple(doc.get("manager_role_ids", ())))
