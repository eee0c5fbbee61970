from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.lastfm import LastfmClient, RetryPolicy
from bot.sandbox.lastfm_standin import Catalog, LastfmStandin, default_fixtures_dir
from tests.lastfm.support import MemoryCacheRepo, VirtualClock

FIXTURES_DIR: Path = default_fixtures_dir()
API_KEY = "s3cr3t-test-key-0123456789"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog(seed=1)


@pytest.fixture
async def standin(catalog: Catalog) -> AsyncIterator[LastfmStandin]:
    async with LastfmStandin(catalog=catalog) as fm:
        yield fm


@pytest.fixture
async def fixture_standin() -> AsyncIterator[LastfmStandin]:
    async with LastfmStandin(mode="fixtures", fixtures_dir=FIXTURES_DIR) as fm:
        yield fm


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def vclock() -> AsyncIterator[VirtualClock]:
    clock = VirtualClock()
    async with clock.running():
        yield clock


@pytest.fixture
def cache_repo() -> MemoryCacheRepo:
    return MemoryCacheRepo()


MakeClient = Callable[..., LastfmClient]


@pytest.fixture
def make_client(session: aiohttp.ClientSession, standin: LastfmStandin, vclock: VirtualClock) -> MakeClient:
    """A client on the catalog stand-in with virtual time, a generous rate limit and seeded jitter."""

    def make(**kw: Any) -> LastfmClient:
        kw.setdefault("api_key", SecretStr(API_KEY))
        kw.setdefault("base_url", standin.url)
        kw.setdefault("clock", vclock)
        kw.setdefault("rate_per_second", 1000.0)
        kw.setdefault("burst", 100)
        kw.setdefault("max_in_flight", 100)
        kw.setdefault("rng", random.Random(7))
        kw.setdefault("retry", RetryPolicy(total_budget_s=8.0, attempt_timeout_s=2.0))
        return LastfmClient(kw.pop("session", session), **kw)

    return make
