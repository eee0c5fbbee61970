"""Storage adapters behind `bot.domain.ports.storage`: MongoDB in production, SQLite embedded by default."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.domain.ports.storage import Storage

__all__ = ["open_storage"]

log = logging.getLogger(__name__)


@asynccontextmanager
async def open_storage(*, mongodb_uri: str | None, database: str, sqlite_path: Path) -> AsyncIterator[Storage]:
    """The configured store, ready (indexes / schema in place), closed on exit: MongoDB database `database` when
    `mongodb_uri` is given, else the SQLite file at `sqlite_path` (its directory is created)."""
    store: Storage
    if mongodb_uri is not None:
        from storage.mongo import connect_mongo  # noqa: PLC0415 - only the configured driver is imported

        store = await connect_mongo(mongodb_uri, database)
        log.info("storage: MongoDB database %r", database)
    else:
        from storage.sqlite import open_sqlite  # noqa: PLC0415

        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        store = await open_sqlite(sqlite_path)
        log.info("storage: SQLite file %s", sqlite_path)
    try:
        yield store
    finally:
        await store.close()
