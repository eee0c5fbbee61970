"""The embedded store: one SQLite file (WAL), the default when no MongoDB URI is configured."""

from __future__ import annotations

from pathlib import Path

from storage.sqlite.db import SqliteDatabase
from storage.sqlite.playlists import SqlitePlaylists
from storage.sqlite.records import SqliteAccounts, SqliteCache, SqliteEvents, SqliteGuilds

__all__ = ["SqliteStorage"]


class SqliteStorage:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db
        self._playlists = SqlitePlaylists(db)
        self._events = SqliteEvents(db)
        self._guilds = SqliteGuilds(db)
        self._accounts = SqliteAccounts(db)
        self._cache = SqliteCache(db)

    @classmethod
    async def open(cls, path: Path) -> SqliteStorage:
        """Open (creating it if needed) and migrate the file at `path`."""
        return cls(await SqliteDatabase.open(path))

    @property
    def playlists(self) -> SqlitePlaylists:
        return self._playlists

    @property
    def events(self) -> SqliteEvents:
        return self._events

    @property
    def guilds(self) -> SqliteGuilds:
        return self._guilds

    @property
    def accounts(self) -> SqliteAccounts:
        return self._accounts

    @property
    def cache(self) -> SqliteCache:
        return self._cache

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()
