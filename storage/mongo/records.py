"""The small repositories on MongoDB: events (audit log), guild settings, linked accounts, the Last.fm cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.models import Account, EventAction, NewEvent, PlaylistEvent
from bot.domain.ports.storage import CachedValue, GuildSettings
from storage.common import jsonable, new_id, utc
from storage.mongo.db import Doc, MongoDatabase

NEWEST_FIRST = [("at", DESCENDING), ("_id", DESCENDING)]


def _event(doc: Doc) -> PlaylistEvent:
    return PlaylistEvent(id=doc.pop("_id"), **doc)


class MongoEvents:
    def __init__(self, db: MongoDatabase) -> None:
        self._events = db.events

    async def append(self, event: NewEvent) -> PlaylistEvent:
        out = PlaylistEvent(
            id=new_id(), **event.model_dump(exclude={"data", "at"}), data=jsonable(event.data), at=utc(event.at)
        )
        await self._events.insert_one({"_id": out.id, **out.model_dump(exclude={"id"}), "action": out.action.value})
        return out

    async def list(self, guild_id: int, *, playlist_id: str | None = None, limit: int = 25) -> list[PlaylistEvent]:
        cursor = self._events.find(self._where(guild_id, None, playlist_id)).sort(NEWEST_FIRST).limit(limit)
        return [_event(d) async for d in cursor]

    async def last_undoable(
        self, guild_id: int, *, actor_id: int | None = None, playlist_id: str | None = None
    ) -> PlaylistEvent | None:
        query = {
            **self._where(guild_id, actor_id, playlist_id),
            "undone": False,
            "action": {"$ne": EventAction.UNDO.value},
        }
        doc = await self._events.find_one(query, sort=NEWEST_FIRST)
        return None if doc is None else _event(doc)

    async def mark_undone(self, guild_id: int, event_id: str, *, undone: bool = True) -> bool:
        result = await self._events.update_one(
            {"_id": event_id, "guild_id": guild_id, "undone": not undone}, {"$set": {"undone": undone}}
        )
        return result.modified_count == 1

    @staticmethod
    def _where(guild_id: int, actor_id: int | None, playlist_id: str | None) -> Doc:
        query: Doc = {"guild_id": guild_id}
        if playlist_id is not None:
            query["playlist_id"] = playlist_id
        if actor_id is not None:
            query["actor_id"] = actor_id
        return query


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


class MongoAccounts:
    def __init__(self, db: MongoDatabase) -> None:
        self._accounts = db.accounts

    async def link(self, account: Account) -> None:
        doc = {
            "lastfm_username": account.lastfm_username,
            "linked_at": utc(account.linked_at),
            "mix_consent": account.mix_consent,
        }
        await self._accounts.replace_one({"_id": account.user_id}, doc, upsert=True)

    async def get(self, user_id: int) -> Account | None:
        doc = await self._accounts.find_one({"_id": user_id})
        return None if doc is None else Account(user_id=doc.pop("_id"), **doc)

    async def unlink(self, user_id: int) -> bool:
        return (await self._accounts.delete_one({"_id": user_id})).deleted_count == 1

    async def set_consent(self, user_id: int, consent: bool) -> Account | None:
        doc = await self._accounts.find_one_and_update(
            {"_id": user_id}, {"$set": {"mix_consent": consent}}, return_document=ReturnDocument.AFTER
        )
        return None if doc is None else Account(user_id=doc.pop("_id"), **doc)


class MongoCache:
    def __init__(self, db: MongoDatabase) -> None:
        self._cache = db.cache

    async def get(self, key: str, *, now: datetime) -> CachedValue | None:
        # The TTL index removes expired documents only every minute or so: filter on expiry as well.
        doc = await self._cache.find_one({"_id": key, "expires_at": {"$gt": utc(now)}})
        return None if doc is None else CachedValue(key=doc.pop("_id"), **doc)

    async def put(self, key: str, value: Any, *, now: datetime, fresh_until: datetime, expires_at: datetime) -> None:
        doc = {
            "value": jsonable(value),
            "stored_at": utc(now),
            "fresh_until": utc(fresh_until),
            "expires_at": utc(expires_at),
        }
        await self._cache.replace_one({"_id": key}, doc, upsert=True)
