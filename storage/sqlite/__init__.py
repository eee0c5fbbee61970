"""The embedded store: one SQLite file (WAL), the default when no MongoDB URI is configured."""

from __future__ import annotations

from pathlib import Path

from bot.domain.ports.storage import IoCounter, Storage
from storage.sqlite.accounts import SqliteAccounts
from storage.sqlite.cache import SqliteCache
from storage.sqlite.db import SqliteDatabase
from storage.sqlite.entries import SqliteEntries
from storage.sqlite.events import SqliteEvents
from storage.sqlite.guilds import SqliteGuilds
from storage.sqlite.playlists import SqlitePlaylists
from storage.sqlite.rounds import SqliteRounds
from storage.sqlite.schedules import SqliteSchedules
from storage.sqlite.shares import SqliteShares

__all__ = ["open_sqlite"]


async def open_sqlite(path: Path) -> Storage:
    """Open (creating it if needed) and migrate the file at `path`."""
    io = IoCounter()
    db = await SqliteDatabase.open(path, io)
    return Storage(
        playlists=SqlitePlaylists(db),
        entries=SqliteEntries(db),
        events=SqliteEvents(db),
        guilds=SqliteGuilds(db),
        accounts=SqliteAccounts(db),
        cache=SqliteCache(db),
        schedules=SqliteSchedules(db),
        rounds=SqliteRounds(db),
        shares=SqliteShares(db),
        ping=db.ping,
        close=db.close,
        io=io,
    )
