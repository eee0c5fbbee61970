"""Fixtures of the storage contract suite: every test runs once per backend (sqlite, mongo, realmongo)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.domain.ports.storage import Storage
from tests.storage.backends import BACKENDS, Backend, WireServer, open_test_storage, real_mongodb_uri


@pytest.fixture(scope="session")
def mongo_wire_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One wire server for the session (started on first use); each test gets its own database on it."""
    server = WireServer(tmp_path_factory.mktemp("mongoeco"))
    uri = server.start()
    try:
        yield uri
    finally:
        server.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        return Backend.sqlite(tmp_path)
    if request.param == "mongo":
        return Backend.mongo(request.getfixturevalue("mongo_wire_uri"))
    uri = real_mongodb_uri()
    if uri is None:
        pytest.skip("set SHARIFY_TEST_MONGODB_URI to run against a real MongoDB")
    return Backend.mongo(uri, name="realmongo")


@pytest.fixture
async def storage(backend: Backend) -> AsyncIterator[Storage]:
    async with open_test_storage(backend) as store:
        yield store
