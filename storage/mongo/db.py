"""The MongoDB database: client, collections and the indexes, created explicitly at start-up.

No multi-document transactions: every write that can race is a single-document atomic operation with a guard
(`find_one_and_update`, `$inc`, `$addToSet`/`$pull`). Where one change needs two documents (reserve counter
slots, then insert entries) the second step compensates the first when it fails; see the adapters.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

Doc = dict[str, Any]
Collection = AsyncCollection[Doc]

INDEXES: dict[str, list[IndexModel]] = {
    "playlists": [
        # Name uniqueness among LIVE playlists only: `deleted_at` is always written, null while live, so a
        # `$type: "null"` partial filter (allowed in partial indexes, unlike `$exists: false`) selects them.
        IndexModel(
            [("guild_id", ASCENDING), ("name_key", ASCENDING)],
            name="live_name_unique",
            unique=True,
            partialFilterExpression={"deleted_at": {"$type": "null"}},
        ),
        IndexModel([("guild_id", ASCENDING), ("deleted_at", ASCENDING), ("name_key", ASCENDING)], name="by_guild"),
        IndexModel([("deleted_at", ASCENDING)], name="trash"),
    ],
    "playlist_tracks": [
        IndexModel([("playlist_id", ASCENDING), ("order_key", ASCENDING)], name="order_unique", unique=True),
    ],
    "playlist_events": [
        IndexModel([("guild_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="by_guild"),
        IndexModel(
            [("guild_id", ASCENDING), ("playlist_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)],
            name="by_playlist",
        ),
    ],
    "lastfm_cache": [IndexModel([("expires_at", ASCENDING)], name="ttl", expireAfterSeconds=0)],
    # guilds (_id = guild id) and accounts (_id = user id) are looked up by _id only.
}


class MongoDatabase:
    def __init__(self, client: AsyncMongoClient[Doc], name: str) -> None:
        self.client = client
        self.db: AsyncDatabase[Doc] = client[name]
        self.playlists: Collection = self.db["playlists"]
        self.entries: Collection = self.db["playlist_tracks"]
        self.events: Collection = self.db["playlist_events"]
        self.guilds: Collection = self.db["guilds"]
        self.accounts: Collection = self.db["accounts"]
        self.cache: Collection = self.db["lastfm_cache"]

    @classmethod
    async def connect(cls, uri: str, name: str) -> MongoDatabase:
        # tz_aware: MongoDB stores naive UTC; hand back aware UTC datetimes like the SQLite adapter.
        client: AsyncMongoClient[Doc] = AsyncMongoClient(uri, tz_aware=True, appname="sharify")
        self = cls(client, name)
        try:
            await self.ping()
            for collection, indexes in INDEXES.items():
                await self.db[collection].create_indexes(indexes)
        except BaseException:
            await client.close()
            raise
        return self

    async def ping(self) -> None:
        await self.client.admin.command("ping")

    async def close(self) -> None:
        await self.client.close()
