"""Real stores for tests, reusable by any suite: a SQLite file, the MongoDB-wire test server (mongoeco, memory
engine, on loopback, spoken to by the real PyMongo client over TCP) and a real MongoDB given by URI.

    from tests.storage.backends import open_test_storage
    async with open_test_storage(Backend.sqlite(tmp_path)) as storage: ...
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pymongo import AsyncMongoClient

from bot.domain.ports.storage import Storage
from storage import open_storage

BACKENDS = ("sqlite", "mongo", "realmongo")
REAL_MONGODB_ENV = "SHARIFY_TEST_MONGODB_URI"
MONGODB_DIALECT = "7.0"


def real_mongodb_uri() -> str | None:
    return os.environ.get(REAL_MONGODB_ENV) or None


class WireServer:
    """The mongoeco wire server in its own thread and event loop; `start()` returns a mongodb:// URI."""

    def __init__(self, directory: Path) -> None:
        from mongoeco._pytest_runtime import ProxyThread  # noqa: PLC0415 - test-only dependency
        from mongoeco.compat import resolve_pymongo_profile  # noqa: PLC0415

        # "auto-installed" maps the installed PyMongo to the nearest profile the server knows.
        profile = resolve_pymongo_profile("auto-installed").key
        self._thread = ProxyThread("memory", directory, MONGODB_DIALECT, profile)

    def start(self) -> str:
        return self._thread.start()

    def close(self) -> None:
        self._thread.close()


@dataclass(frozen=True)
class Backend:
    """Where one test's store lives. `open()` may be called again after closing: same data."""

    name: str
    sqlite_path: Path
    mongodb_uri: str | None = None
    database: str = "sharify"

    @classmethod
    def sqlite(cls, directory: Path) -> Backend:
        return cls("sqlite", sqlite_path=directory / "data" / "sharify.sqlite3")

    @classmethod
    def mongo(cls, uri: str, name: str = "mongo") -> Backend:
        database = f"sharify_test_{uuid.uuid4().hex[:16]}"  # a fresh database per test on a shared server
        return cls(name, sqlite_path=Path("unused"), mongodb_uri=uri, database=database)

    def open(self) -> AbstractAsyncContextManager[Storage]:
        return open_storage(mongodb_uri=self.mongodb_uri, database=self.database, sqlite_path=self.sqlite_path)

    async def drop(self) -> None:
        if self.mongodb_uri is None:
            return  # the SQLite file lives in the test's tmp_path
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(self.mongodb_uri)
        try:
            await client.drop_database(self.database)
        finally:
            await client.close()


@asynccontextmanager
async def open_test_storage(backend: Backend) -> AsyncIterator[Storage]:
    """An open Storage on `backend`, closed and (for MongoDB) dropped afterwards."""
    try:
        async with backend.open() as storage:
            yield storage
    finally:
        await backend.drop()
