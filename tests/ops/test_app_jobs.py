"""The application's background jobs: the hourly trash purge, server-wide, over a real SQLite store."""

from __future__ import annotations

import pytest

from bot.app import TRASH_PURGE_EVERY_S, background_jobs
from bot.domain.errors import NotFound
from bot.domain.permissions import Actor
from bot.domain.services.playlists import Limits, PlaylistService
from tests.ops.test_jobs import SteppedClock

OWNER = Actor(guild_id=1, user_id=11, role_ids=frozenset(), manage_guild=True, manager_role_ids=frozenset())


@pytest.fixture
def stepped() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
def playlists(sqlite_storage, stepped) -> PlaylistService:
    return PlaylistService(sqlite_storage, limits=Limits(max_tracks=5, max_playlists=5, trash_days=1), clock=stepped)


def test_the_trash_purge_is_an_hourly_server_wide_job(playlists, stepped):
    (job,) = background_jobs(playlists, clock=stepped, shard_ids=None).jobs.values()
    assert (job.name, job.interval_s, job.server_wide) == ("trash-purge", TRASH_PURGE_EVERY_S, True)
    assert TRASH_PURGE_EVERY_S == 3600


async def hours(stepped: SteppedClock, count: int) -> None:
    for _ in range(count):
        await stepped.advance(3600)
        await stepped.sleeping(1)  # the purge (on the store's threads) is over and the job waits for the next hour


async def trash(playlists: PlaylistService) -> list[str]:
    return [p.name for p in await playlists.playlists(OWNER.guild_id, trash=True)]


async def test_the_shard_zero_process_empties_the_trash_within_the_hour_after_it_is_due(playlists, stepped):
    await playlists.create(OWNER, "old")
    await playlists.delete(OWNER, "old")
    async with background_jobs(playlists, clock=stepped, shard_ids=[0]) as jobs:
        await stepped.sleeping(1)
        await hours(stepped, 24)
        assert await trash(playlists) == ["old"]  # deleted exactly a day ago: not older than a day yet
        await hours(stepped, 1)
        assert await trash(playlists) == []
        assert jobs.jobs["trash-purge"].runs == 26  # at start, then every hour
    with pytest.raises(NotFound):
        await playlists.restore(OWNER, "old")


async def test_another_shards_process_leaves_the_trash_alone(playlists, stepped):
    await playlists.create(OWNER, "old")
    await playlists.delete(OWNER, "old")
    async with background_jobs(playlists, clock=stepped, shard_ids=[1, 2]) as jobs:
        await stepped.sleeping(1)
        await hours(stepped, 72)
        assert jobs.jobs["trash-purge"].runs == 0
    assert await trash(playlists) == ["old"]
