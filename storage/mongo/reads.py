"""Aggregate reads of a playlist's entries on MongoDB: totals for a page view (one $group in the server) and
substring search with positions (a scan of the order keys and names only, then the few full documents)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from bot.domain.models import Entry
from bot.domain.ports.storage import PlaylistStats
from storage.mongo.db import MongoDatabase
from storage.mongo.docs import entry_from_doc

_DURATION = {"$ifNull": ["$track.duration_s", 0]}


async def stats(db: MongoDatabase, guild_id: int, playlist_id: str) -> PlaylistStats:
    pipeline: list[dict[str, Any]] = [
        {"$match": {"playlist_id": playlist_id, "guild_id": guild_id}},
        {
            "$group": {
                "_id": "$added_by",
                "n": {"$sum": 1},
                "seconds": {"$sum": _DURATION},
                "unknown": {"$sum": {"$cond": [{"$gt": [_DURATION, 0]}, 0, 1]}},
            }
        },
    ]
    groups = [g async for g in await db.entries.aggregate(pipeline)]
    people = sorted(((int(g["_id"]), int(g["n"])) for g in groups), key=lambda p: (-p[1], p[0]))
    return PlaylistStats(
        total=sum(g["n"] for g in groups),
        total_duration_s=sum(g["seconds"] for g in groups),
        unknown_durations=sum(g["unknown"] for g in groups),
        contributors=tuple(people),
    )


async def find_entries(
    db: MongoDatabase, guild_id: int, playlist_id: str, needle: str, *, limit: int
) -> list[tuple[int, Entry]]:
    wanted = needle.casefold()
    positions: dict[str, int] = {}
    cursor = db.entries.find(
        {"playlist_id": playlist_id, "guild_id": guild_id}, {"track.artist": True, "track.title": True}
    ).sort([("order_key", ASCENDING)])
    position = 0
    async for doc in cursor:
        position += 1
        if wanted in f"{doc['track']['artist']} - {doc['track']['title']}".casefold():
            positions[doc["_id"]] = position
            if len(positions) == limit:
                break
    if not positions:
        return []
    docs = [d async for d in db.entries.find({"_id": {"$in": list(positions)}, "guild_id": guild_id})]
    found = [(positions[d["_id"]], entry_from_doc(d)) for d in docs]
    return sorted(found, key=lambda pair: pair[0])


async def duplicates(db: MongoDatabase, guild_id: int, playlist_id: str) -> list[Entry]:
    seen: set[str] = set()
    repeats: list[str] = []
    scope = {"playlist_id": playlist_id, "guild_id": guild_id}
    async for doc in db.entries.find(scope, {"norm_key": True}).sort([("order_key", ASCENDING)]):
        if doc["norm_key"] in seen:
            repeats.append(doc["_id"])
        seen.add(doc["norm_key"])
    if not repeats:
        return []
    found = [entry_from_doc(d) async for d in db.entries.find({**scope, "_id": {"$in": repeats}})]
    return sorted(found, key=lambda e: e.order_key)
