"""GuildRepository on MongoDB: per-server settings (the manager roles, and the live-playlist counter)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.ports.storage import GuildSettings
from storage.common import utc
from storage.mongo.db import MongoDatabase


class MongoGuilds:
    def __init__(self, db: MongoDatabase) -> None:
        self._guilds = db.guilds

    async def settings(self, guild_id: int) -> GuildSettings:
        doc = await self._guilds.find_one({"_id": guild_id}, {"manager_role_ids": True, "removed_at": True})
        if doc is None:
            return GuildSettings(guild_id=guild_id)
        removed = doc.get("removed_at")
        return GuildSettings(
            guild_id=guild_id,
            manager_role_ids=tuple(doc.get("manager_role_ids", ())),
            removed_at=None if removed is None else utc(removed),
        )

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

    async def mark_removed(self, guild_id: int, at: datetime | None) -> None:
        update = {"$set": {"removed_at": utc(at)}} if at else {"$unset": {"removed_at": ""}}
        try:
            await self._guilds.update_one(
                {"_id": guild_id}, {**update, "$setOnInsert": {"live_playlists": 0}}, upsert=True
            )
        except DuplicateKeyError:  # a concurrent first write created it: now it is a plain update
            await self._guilds.update_one({"_id": guild_id}, update)

    async def removed_before(self, before: datetime) -> list[int]:
        found = self._guilds.find({"removed_at": {"$ne": None, "$lt": utc(before)}}, {"_id": True}).sort("_id", 1)
        return [doc["_id"] for doc in await found.to_list()]

    async def delete(self, guild_id: int, *, removed_before: datetime) -> bool:
        guard = {"_id": guild_id, "removed_at": {"$ne": None, "$lt": utc(removed_before)}}
        return bool((await self._guilds.delete_one(guard)).deleted_count)
