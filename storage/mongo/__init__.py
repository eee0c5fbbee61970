"""The production store: MongoDB through PyMongo's async API, shared by every shard of the bot."""

from __future__ import annotations

from storage.mongo.db import MongoDatabase
from storage.mongo.playlists import MongoPlaylists
from storage.mongo.records import MongoAccounts, MongoCache, MongoEvents, MongoGuilds

__all__ = ["MongoStorage"]


class MongoStorage:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._playlists = MongoPlaylists(db)
        self._events = MongoEvents(db)
        self._guilds = MongoGuilds(db)
        self._accounts = MongoAccounts(db)
        self._cache = MongoCache(db)

    @classmethod
    async def connect(cls, uri: str, database: str) -> MongoStorage:
        """Connect to `uri`, use `database`, and create the indexes."""
        return cls(await MongoDatabase.connect(uri, database))

    @property
    def playlists(self) -> MongoPlaylists:
        return self._playlists

    @property
    def events(self) -> MongoEvents:
        return self._events

    @property
    def guilds(self) -> MongoGuilds:
        return self._guilds

    @property
    def accounts(self) -> MongoAccounts:
        return self._accounts

    @property
    def cache(self) -> MongoCache:
        return self._cache

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()
