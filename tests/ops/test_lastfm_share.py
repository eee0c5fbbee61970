"""Last.fm limits the API key, not the process: each shard process takes its shards' share of the key's rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import build, lastfm_rate
from bot.config import Settings
from bot.lastfm.catalog import LastfmCatalog


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, health_port=0, **values)  # type: ignore[arg-type]


def test_one_process_with_every_shard_takes_the_whole_rate(tmp_path: Path) -> None:
    assert lastfm_rate(settings(tmp_path, lastfm_rate_per_second=4, lastfm_burst=8)) == (4, 8)
    whole = settings(tmp_path, lastfm_rate_per_second=4, shard_count=2, shard_ids=[0, 1])
    assert lastfm_rate(whole) == (4, 8)


@pytest.mark.parametrize(("shard_count", "shard_ids", "rate", "burst"), [(2, [1], 2.0, 4), (4, [0, 3], 2.0, 4)])
def test_a_process_takes_its_shards_share(
    tmp_path: Path, shard_count: int, shard_ids: list[int], rate: float, burst: int
) -> None:
    s = settings(tmp_path, lastfm_rate_per_second=4, lastfm_burst=8, shard_count=shard_count, shard_ids=shard_ids)
    assert lastfm_rate(s) == (rate, burst)


def test_the_burst_never_falls_below_one(tmp_path: Path) -> None:
    s = settings(tmp_path, lastfm_rate_per_second=4, lastfm_burst=2, shard_count=16, shard_ids=[5])
    assert lastfm_rate(s) == (0.25, 1)


def test_a_process_budget_overrides_the_share(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        lastfm_rate_per_second=4,
        lastfm_burst=8,
        shard_count=4,
        shard_ids=[0],
        lastfm_process_rate_per_second=3,
    )
    assert lastfm_rate(s) == (3, 6)


async def test_the_client_is_built_with_the_share(tmp_path: Path) -> None:
    s = settings(tmp_path, lastfm_api_key="k", lastfm_rate_per_second=4, lastfm_burst=8, shard_count=2, shard_ids=[1])
    async with build(s) as app:
        catalog = app.services.music._catalog
        assert isinstance(catalog, LastfmCatalog)
        limiter = catalog.client.limiter
        assert (limiter.rate_per_second, limiter.max_rate) == (2.0, 4)
