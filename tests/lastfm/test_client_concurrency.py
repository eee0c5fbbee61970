"""Coalescing, the rate limiter (on virtual time: the schedule of send times is asserted) and the in-flight cap."""

from __future__ import annotations

import asyncio

import pytest

from bot.lastfm import LastfmNotFound
from bot.lastfm.throttle import ClockedLimiter
from bot.sandbox.lastfm_standin import Catalog, Fault, LastfmStandin
from tests.lastfm.conftest import MakeClient
from tests.lastfm.support import VirtualClock


async def test_identical_concurrent_calls_share_one_request(
    make_client: MakeClient, standin: LastfmStandin, catalog: Catalog
) -> None:
    standin.latency = 0.05
    client = make_client()
    t = catalog.tracks[5]
    artist = catalog.artist_of(t).name
    results = await asyncio.gather(*(client.track_get_info(artist, t.name) for _ in range(20)))
    assert standin.count("track.getInfo") == 1
    assert all(r.value == results[0].value for r in results) and results[0].value.name == t.name
    assert client.coalescer.shared == 19
    assert len(client.coalescer) == 0  # nothing left in flight


async def test_different_params_are_not_coalesced(
    make_client: MakeClient, standin: LastfmStandin, catalog: Catalog
) -> None:
    standin.latency = 0.02
    client = make_client()
    a = catalog.artists[3].name
    await asyncio.gather(client.artist_get_top_tracks(a, limit=5), client.artist_get_top_tracks(a, limit=6))
    assert standin.count("artist.getTopTracks") == 2


async def test_coalesced_failure_reaches_every_caller_once(make_client: MakeClient, standin: LastfmStandin) -> None:
    standin.latency = 0.05
    client = make_client()
    outcomes = await asyncio.gather(
        *(client.track_get_info("Nobody", "Nothing") for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(o, LastfmNotFound) for o in outcomes)
    assert standin.count() == 1


async def test_cancelled_caller_does_not_cancel_the_shared_request(
    make_client: MakeClient, standin: LastfmStandin, catalog: Catalog
) -> None:
    standin.latency = 0.1
    client = make_client()
    a = catalog.artists[4].name
    first = asyncio.create_task(client.artist_get_info(a))
    second = asyncio.create_task(client.artist_get_info(a))
    await asyncio.sleep(0.02)
    first.cancel()
    result = await second
    assert result.value.name == a
    assert standin.count() == 1


async def test_rate_limiter_schedule(make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock) -> None:
    """Burst 3 at 10/s: three sends at t=0, then one every 100 ms of (virtual) time."""
    sent: list[float] = []
    client = make_client(rate_per_second=10.0, burst=3, on_send=lambda m, p: sent.append(vclock.monotonic()))
    tags = ["jazz", "soul", "funk", "disco", "house", "techno", "folk", "punk", "pop"]
    await asyncio.gather(*(client.tag_get_top_tracks(tag, limit=1) for tag in tags))
    assert standin.count() == 9
    assert sorted(sent) == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6], abs=1e-6)


async def test_limiter_refills_after_idle(vclock: VirtualClock) -> None:
    limiter = ClockedLimiter(rate_per_second=5.0, burst=5, clock=vclock)
    times = []
    for _ in range(8):
        await limiter.acquire()
        times.append(vclock.monotonic())
    assert times == pytest.approx([0, 0, 0, 0, 0, 0.2, 0.4, 0.6], abs=1e-6)
    vclock.advance(10.0)  # idle long enough to refill the whole burst
    start = vclock.monotonic()
    for _ in range(5):
        await limiter.acquire()
    assert vclock.monotonic() == pytest.approx(start)


async def test_rate_limit_error_pauses_every_request(
    make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock
) -> None:
    sent: list[float] = []
    client = make_client(on_send=lambda m, p: sent.append(vclock.monotonic()))
    standin.inject(Fault.api(29), times=1)
    await client.chart_get_top_tracks(limit=1)
    assert len(sent) == 2 and sent[1] >= 0.5  # the retry waited for the rate-limit backoff (base 1 s, jitter)
    await client.tag_get_top_tracks("jazz", limit=1)
    assert sent[2] >= sent[1]


async def test_in_flight_cap(make_client: MakeClient, standin: LastfmStandin) -> None:
    standin.latency = 0.05
    client = make_client(max_in_flight=3)
    await asyncio.gather(*(client.artist_get_info(a.name) for a in standin.catalog.artists[:12]))  # type: ignore[union-attr]
    assert standin.count() == 12
    assert standin.max_in_flight == 3
    assert client.transport.max_seen_in_flight == 3
