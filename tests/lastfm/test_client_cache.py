"""Memory cache lifetimes, the persistent cache across client instances, and stale values while Last.fm fails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import Settings
from bot.domain.errors import UpstreamUnavailable
from bot.lastfm import LastfmNotFound, RetryPolicy
from bot.lastfm.cache import DEFAULT_LIFETIMES, request_key
from bot.runtime.metrics import Metrics
from bot.sandbox.lastfm_standin import Catalog, Fault, LastfmStandin
from tests.lastfm.conftest import MakeClient
from tests.lastfm.support import MemoryCacheRepo, VirtualClock


async def test_memory_cache_hit(make_client: MakeClient, standin: LastfmStandin) -> None:
    metrics = Metrics()
    client = make_client(metrics=metrics)
    first = await client.track_search("velvet")
    second = await client.track_search("velvet")
    assert standin.count() == 1
    assert not first.from_cache and second.from_cache and second.value == first.value
    assert metrics.registry.get_sample_value("sharify_lastfm_cache_total", {"result": "hit"}) == 1
    assert (
        metrics.registry.get_sample_value("sharify_lastfm_requests_total", {"method": "track.search", "outcome": "ok"})
        == 1
    )


@pytest.mark.parametrize(
    ("method_call", "method", "fresh_s"),
    [
        (lambda c, u: c.track_search("velvet"), "track.search", 600),
        (lambda c, u: c.user_get_recent_tracks(u), "user.getRecentTracks", 30),
        (lambda c, u: c.chart_get_top_tracks(), "chart.getTopTracks", 3600),
    ],
)
async def test_lifetime_per_method(
    method_call, method: str, fresh_s: int, make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock
) -> None:
    assert DEFAULT_LIFETIMES[method].fresh == timedelta(seconds=fresh_s)
    client = make_client()
    user = next(iter(standin.catalog.users))  # type: ignore[union-attr]
    await method_call(client, user)
    vclock.advance(fresh_s - 1)
    await method_call(client, user)
    assert standin.count(method) == 1
    vclock.advance(2)
    await method_call(client, user)
    assert standin.count(method) == 2


async def test_track_info_lives_a_day(
    make_client: MakeClient, standin: LastfmStandin, catalog: Catalog, vclock: VirtualClock
) -> None:
    client = make_client()
    t = catalog.tracks[9]
    await client.track_get_info(catalog.artist_of(t).name, t.name)
    vclock.advance(23 * 3600)
    await client.track_get_info(catalog.artist_of(t).name, t.name)
    assert standin.count() == 1


async def test_persistent_cache_survives_a_new_client(
    make_client: MakeClient, standin: LastfmStandin, cache_repo: MemoryCacheRepo, catalog: Catalog
) -> None:
    t = catalog.tracks[11]
    artist = catalog.artist_of(t).name
    first = await make_client(cache=cache_repo).track_get_info(artist, t.name)
    assert cache_repo.puts == 1
    restarted = make_client(cache=cache_repo)  # a new process: empty memory cache
    again = await restarted.track_get_info(artist, t.name)
    assert standin.count() == 1
    assert again.from_cache and again.value == first.value
    assert len(restarted.memory) == 1  # promoted to memory


async def test_stale_value_served_while_lastfm_fails(
    make_client: MakeClient, standin: LastfmStandin, cache_repo: MemoryCacheRepo, vclock: VirtualClock
) -> None:
    client = make_client(cache=cache_repo, retry=RetryPolicy(total_budget_s=2.0))
    fresh = await client.chart_get_top_tracks(limit=3)
    vclock.advance(3601)  # past the chart's hour of freshness
    standin.inject(Fault.http(503), times=None)
    stale = await client.chart_get_top_tracks(limit=3)
    assert stale.stale and stale.from_cache and stale.value == fresh.value
    assert standin.count() > 2  # it did try (and retry) before falling back
    # and from the persistent cache after a restart too
    restarted = make_client(cache=cache_repo, retry=RetryPolicy(total_budget_s=2.0))
    assert (await restarted.chart_get_top_tracks(limit=3)).stale


async def test_no_stale_value_past_its_expiry(
    make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock
) -> None:
    client = make_client(retry=RetryPolicy(total_budget_s=1.0))
    await client.chart_get_top_tracks(limit=3)
    vclock.advance(3600 + 86_400 + 1)  # fresh hour + a day of staleness
    standin.inject(Fault.api(11), times=None)
    with pytest.raises(UpstreamUnavailable):
        await client.chart_get_top_tracks(limit=3)


async def test_permanent_error_is_not_hidden_by_a_stale_value(
    make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock
) -> None:
    client = make_client()
    await client.tag_get_top_tracks("jazz", limit=2)
    vclock.advance(2 * 86_400)
    standin.inject(Fault.api(6, message="Tag not found"), times=1)
    with pytest.raises(LastfmNotFound):
        await client.tag_get_top_tracks("jazz", limit=2)


async def test_failing_store_does_not_fail_lookups(
    make_client: MakeClient, standin: LastfmStandin, cache_repo: MemoryCacheRepo
) -> None:
    cache_repo.fail = True
    client = make_client(cache=cache_repo)
    result = await client.chart_get_top_tracks(limit=2)
    assert len(result.value.tracks) == 2


async def test_refresh_bypasses_fresh_cache(make_client: MakeClient, standin: LastfmStandin) -> None:
    client = make_client()
    await client.call("chart.getTopTracks", {"limit": "2", "page": "1"})
    await client.call("chart.getTopTracks", {"limit": "2", "page": "1"}, refresh=True)
    assert standin.count() == 2


def test_cache_key_is_order_independent_and_keyless() -> None:
    a = request_key("track.getInfo", {"artist": "A", "track": "B"})
    b = request_key("track.getInfo", {"track": "B", "artist": "A"})
    assert a == b and "api_key" not in a and a.startswith("lastfm:")


async def test_sqlite_store_as_persistent_cache(
    tmp_path, make_client: MakeClient, standin: LastfmStandin, catalog: Catalog
) -> None:
    storage = pytest.importorskip("storage")
    path = Settings(data_dir=tmp_path).sqlite_path
    async with storage.open_storage(mongodb_uri=None, database="unused", sqlite_path=path) as store:
        t = catalog.tracks[12]
        first = await make_client(cache=store.cache).track_get_info(catalog.artist_of(t).name, t.name)
        again = await make_client(cache=store.cache).track_get_info(catalog.artist_of(t).name, t.name)
    assert standin.count() == 1 and again.from_cache and again.value == first.value
