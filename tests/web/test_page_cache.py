"""The share pages' memory cache stays inside its byte budget, dropping the least recently used pages first."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

from bot.domain.services.share import SharePage
from bot.web.cache import ENTRY_BYTES, PageCache
from tests.conftest import FakeClock

WHEN = datetime(2026, 11, 29, tzinfo=UTC)


def page(tracks: int = 0) -> SharePage:
    fake = SimpleNamespace(
        playlist=SimpleNamespace(updated_at=WHEN), share=SimpleNamespace(created_at=WHEN), entries=[None] * tracks
    )
    return cast(SharePage, fake)


async def load(token: str) -> SharePage | None:
    return page()


async def visit(cache: PageCache, token: str, variant: str, size: int) -> None:
    cached = await cache.get(token, load)
    assert cached is not None
    await cached.variant(variant, lambda: (b"x" * size, f"{token}-{variant}"))


async def test_variants_count_against_the_byte_budget_and_the_oldest_page_goes(clock: FakeClock) -> None:
    cache = PageCache(clock, ttl_s=60, max_bytes=10_000)
    await visit(cache, "a", "spotify", 4_000)
    await visit(cache, "b", "spotify", 4_000)
    assert cache.size() == 8_000
    await visit(cache, "a", "deezer", 1_000)  # "a" is now the most recently used
    await visit(cache, "c", "spotify", 4_000)  # over budget: "b", the least recently used, is dropped
    assert cache.fresh("b") is None and cache.fresh("a") is not None and cache.fresh("c") is not None
    assert cache.size() == 9_000 <= 10_000


async def test_a_page_alone_over_the_budget_is_still_served_and_the_loaded_tracks_count(clock: FakeClock) -> None:
    cache = PageCache(clock, ttl_s=60, max_bytes=1_000)
    await visit(cache, "big", "spotify", 5_000)
    assert cache.fresh("big") is not None  # the newest entry stays, the budget trims the others
    big = await cache.get("tracks", lambda _token: _loaded(10))
    assert big is not None and big.size() == 10 * ENTRY_BYTES
    assert cache.fresh("big") is None  # the older, heavier page went to make room


async def _loaded(tracks: int) -> SharePage | None:
    return page(tracks)
