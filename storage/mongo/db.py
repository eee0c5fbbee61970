"""The MongoDB database: client, collections, the indexes (created explicitly at start-up), and how a change is
written together with its event (`storage.mongo.events.Journal`).

Every write that can race is a single-document atomic operation with a guard (`find_one_and_update`, `$inc`,
`$addToSet`/`$pull`). A change and its audit event go in one multi-document transaction where the deployment
has them (a replica set or a sharded cluster, told by `hello`); on a standalone server the event is written first
as pending and the change confirms it (see the journal). Where one change needs two documents outside a
transaction (reserve counter slots, then insert entries) the second step compensates the first when it fails.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandFailedEvent, CommandListener, CommandStartedEvent, CommandSucceededEvent

from bot.domain.ports.storage import IoCounter

Doc = dict[str, Any]
Collection = AsyncCollection[Doc]
Session = AsyncClientSession | None  # None: outside a transaction

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
        IndexModel([("added_by", ASCENDING)], name="by_adder"),  # forget-me
    ],
    "playlist_events": [
        IndexModel([("guild_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)], name="by_guild"),
        IndexModel(
            [("guild_id", ASCENDING), ("playlist_id", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)],
            name="by_playlist",
        ),
        IndexModel([("pending", ASCENDING)], name="pending", sparse=True),
        IndexModel([("actor_id", ASCENDING)], name="by_actor"),  # forget-me
    ],
    "guilds": [IndexModel([("removed_at", ASCENDING)], name="removed", sparse=True)],  # the removed-server purge
    "schedules": [
        IndexModel([("paused", ASCENDING), ("next_run_at", ASCENDING)], name="due"),
        IndexModel([("guild_id", ASCENDING), ("next_run_at", ASCENDING)], name="by_guild"),
    ],
    "rounds": [
        # One open or voting round per playlist: `active` holds the playlist id while it runs, null after.
        IndexModel(
            [("active", ASCENDING)],
            name="active_unique",
            unique=True,
            partialFilterExpression={"active": {"$type": "string"}},
        ),
        IndexModel([("next_at", ASCENDING)], name="due"),
        IndexModel([("guild_id", ASCENDING), ("active", ASCENDING), ("created_at", ASCENDING)], name="by_guild"),
    ],
    "round_submissions": [
        IndexModel([("round_id", ASCENDING), ("norm_key", ASCENDING)], name="no_repeat", unique=True),
        IndexModel([("round_id", ASCENDING), ("submitted_at", ASCENDING)], name="by_round"),
        IndexModel([("round_id", ASCENDING), ("voters", ASCENDING)], name="by_voter"),
    ],
    # a share's _id is its token; one share per playlist
    "shares": [IndexModel([("playlist_id", ASCENDING)], name="playlist_unique", unique=True)],
    "lastfm_cache": [IndexModel([("expires_at", ASCENDING)], name="ttl", expireAfterSeconds=0)],
    # accounts (_id = user id) are looked up by _id only.
}


class _Counter(CommandListener):
    """Counts the commands sent (one round trip each) into the store's IoCounter."""

    def __init__(self, io: IoCounter) -> None:
        self._io = io

    def started(self, event: CommandStartedEvent) -> None:
        self._io.round_trips += 1
        self._io.statements += 1

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass


def supports_transactions(hello: Doc) -> bool:
    """Multi-document transactions need a replica set member or a mongos (a standalone server has none)."""
    return isinstance(hello.get("setName"), str) or hello.get("msg") == "isdbgrid"


class MongoDatabase:
    def __init__(self, client: AsyncMongoClient[Doc], name: str, io: IoCounter) -> None:
        self.client = client
        self.io = io
        self.transactions = False
        self.db: AsyncDatabase[Doc] = client[name]
        self.playlists: Collection = self.db["playlists"]
        self.entries: Collection = self.db["playlist_tracks"]
        self.events: Collection = self.db["playlist_events"]
        self.guilds: Collection = self.db["guilds"]
        self.accounts: Collection = self.db["accounts"]
        self.cache: Collection = self.db["lastfm_cache"]
        self.schedules: Collection = self.db["schedules"]
        self.rounds: Collection = self.db["rounds"]
        self.submissions: Collection = self.db["round_submissions"]
        self.shares: Collection = self.db["shares"]

    @classmethod
    async def connect(cls, uri: str, name: str, *, transactions: bool | None = None) -> MongoDatabase:
        """`transactions`: None asks the server (`hello`); False forces the pending-event path."""
        io = IoCounter()
        # tz_aware: MongoDB stores naive UTC; hand back aware UTC datetimes like the SQLite adapter.
        client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, appname="sharify", event_listeners=[_Counter(io)]
        )
        self = cls(client, name, io)
        try:
            hello = await self.client.admin.command("hello")
            self.transactions = supports_transactions(hello) if transactions is None else transactions
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
