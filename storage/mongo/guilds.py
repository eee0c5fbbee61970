"""GuildRepository on MongoDB: per-server settings (manager roles, default time zone; the live-playlist and
schedule counters live here too)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.ports.storage import GuildSettings
from storage.common import utc
from storage.mongo.db import MongoDatabase


class MongoGuilds:
    def __init__(self, db: MongoDatabase) -> None:
        self._guilds = db.guilds

    async def settings(self, guild_id: int) -> GuildSettings:
        doc = await self._guilds.find_one(
            {"_id": guild_id}, {"manager_role_ids": True, "removed_at": True, "timezone": True}
        )
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
                    {"manager_role_ids": True, "removed_at": True, "timezone": True},
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


def _settings(guild_id: int, doc: dict[str, Any] | None) -> GuildSettings:
    if doc is None:
        return GuildSettings(guild_id=guild_id)
    removed = doc.get("removed_at")
    return GuildSettings(
        guild_id=guild_id,
        manager_role_ids=tuple(doc.get("manager_role_ids", ())),
        removed_at=None if removed is None else utc(removed),
        timezone=doc.get("timezone"),
    )
