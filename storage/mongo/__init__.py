"""The production store: MongoDB through PyMongo's async API, shared by every shard of the bot."""

from __future__ import annotations

from bot.domain.ports.storage import Storage
from storage.mongo.accounts import MongoAccounts
from storage.mongo.cache import MongoCache
from storage.mongo.db import MongoDatabase
from storage.mongo.entries import MongoEntries
from storage.mongo.events import MongoEvents
from storage.mongo.guilds import MongoGuilds
from storage.mongo.playlists import MongoPlaylists
from storage.mongo.rounds import MongoRounds
from storage.mongo.schedules import MongoSchedules
from storage.mongo.shares import MongoShares

__all__ = ["connect_mongo"]


async def connect_mongo(uri: str, database: str, *, transactions: bool | None = None) -> Storage:
    """Connect to `uri`, use `database`, create the indexes. `transactions`: None asks the server whether it
    has multi-document transactions; False forces the pending-event path (see storage.mongo.events)."""
    db = await MongoDatabase.connect(uri, database, transactions=transactions)
    return Storage(
        playlists=MongoPlaylists(db),
        entries=MongoEntries(db),
        events=MongoEvents(db),
        guilds=MongoGuilds(db),
        accounts=MongoAccounts(db),
        cache=MongoCache(db),
        schedules=MongoSchedules(db),
        rounds=MongoRounds(db),
        shares=MongoShares(db),
        ping=db.ping,
        close=db.close,
        io=db.io,
    )
