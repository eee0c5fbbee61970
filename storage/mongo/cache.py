"""CacheRepository on MongoDB: the persistent Last.fm response cache (a TTL index drops expired entries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.ports.storage import CachedValue
from storage.common import jsonable, utc
from storage.mongo.db import MongoDatabase


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
