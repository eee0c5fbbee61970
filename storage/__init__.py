"""Storage adapters behind `bot.domain.ports.storage`: MongoDB in production, SQLite embedded by default."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings
from bot.domain.ports.storage import Storage

__all__ = ["open_storage"]

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[Storage]:
    """The configured store, ready (indexes / schema in place), closed on exit: MongoDB when `mongodb_uri`
    is set, else the SQLite file at `settings.sqlite_path` (its directory is created)."""
    store: Storage
    if settings.mongodb_uri is not None:
        from storage.mongo import MongoStorage  # noqa: PLC0415 - only the configured driver is imported

        store = await MongoStorage.connect(settings.mongodb_uri.get_secret_value(), settings.database_name)
        log.info("storage: MongoDB database %r", settings.database_name)
    else:
        from storage.sqlite import SqliteStorage  # noqa: PLC0415

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = await SqliteStorage.open(settings.sqlite_path)
        log.info("storage: SQLite file %s", settings.sqlite_path)
    try:
        yield store
    finally:
        await store.close()
