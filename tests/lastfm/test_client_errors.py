"""Error handling over real HTTP against the stand-in: retries of transient failures inside the time budget,
permanent errors at once, timeouts, HTML bodies, errors sent with HTTP 200, and no API key in any log."""

from __future__ import annotations

import logging
import random

import pytest
from pydantic import SecretStr

from bot.domain.errors import Forbidden, InvalidInput, NotFound, UpstreamUnavailable
from bot.domain.text import plain
from bot.lastfm import (
    USER_AGENT,
    LastfmAuthError,
    LastfmClient,
    LastfmConfigError,
    LastfmNotFound,
    LastfmPrivateProfile,
    LastfmProtocolError,
    LastfmRateLimited,
    LastfmUnavailable,
    RetryPolicy,
)
from bot.lastfm.transport import redact
from bot.sandbox.lastfm_standin import PRIVATE_USER, Catalog, Fault, LastfmStandin
from tests.lastfm.conftest import API_KEY, MakeClient
from tests.lastfm.support import VirtualClock


def first_track(catalog: Catalog) -> tuple[str, str]:
    t = catalog.tracks[0]
    return catalog.artist_of(t).name, t.name


TRANSIENT = [
    pytest.param(Fault.api(8), id="error-8"),
    pytest.param(Fault.api(11), id="error-11"),
    pytest.param(Fault.api(16), id="error-16"),
    pytest.param(Fault.api(29), id="error-29"),
    pytest.param(Fault.http(500), id="http-500"),
    pytest.param(Fault.http(502), id="http-502"),
    pytest.param(Fault.http(503), id="http-503"),
    pytest.param(Fault.http(429), id="http-429"),
    pytest.param(Fault.html(502), id="html-502"),
    pytest.param(Fault.html(200), id="html-200"),
]


@pytest.mark.parametrize("fault", TRANSIENT)
async def test_transient_failure_is_retried_then_succeeds(
    fault: Fault, make_client: MakeClient, standin: LastfmStandin, catalog: Catalog, vclock: VirtualClock
) -> None:
    standin.inject(fault, times=2)
    client = make_client()
    artist, title = first_track(catalog)
    result = await client.track_get_info(artist, title)
    assert result.value.name == title and not result.stale
    assert standin.count("track.getInfo") == 3
    assert len(vclock.sleeps) >= 2  # two backoff waits (plus the pause after a 29/429)


@pytest.mark.parametrize("fault", TRANSIENT)
async def test_retries_exhausted_raise_upstream_unavailable_within_budget(
    fault: Fault, make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock
) -> None:
    standin.inject(fault, times=None)
    client = make_client(retry=RetryPolicy(total_budget_s=8.0))
    started = vclock.monotonic()
    with pytest.raises(UpstreamUnavailable) as info:
        await client.user_get_info(next(iter(standin.catalog.users)))  # type: ignore[union-attr]
    elapsed = vclock.monotonic() - started
    assert elapsed <= 8.0
    assert standin.count() >= 3  # it did retry
    rate_limited = fault.code == 29 or (fault.status == 429 and fault.kind == "http")
    assert isinstance(info.value, LastfmRateLimited) is rate_limited
    assert "try again" in info.value.user_message.lower()


def test_backoff_is_exponential_with_jitter_and_capped() -> None:
    policy = RetryPolicy(base_delay_s=0.25, max_delay_s=4.0)
    rng = random.Random(1)
    for attempt in range(1, 10):
        cap = min(4.0, 0.25 * 2 ** (attempt - 1))
        delays = [policy.delay(attempt, rate_limited=False, rng=rng) for _ in range(50)]
        assert all(cap / 2 <= d <= cap for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert policy.delay(1, rate_limited=True, rng=rng) >= policy.rate_limited_base_delay_s / 2


PERMANENT = [
    pytest.param(Fault.api(6, message="Track not found", status=200), LastfmNotFound, NotFound, id="6-not-found"),
    pytest.param(Fault.api(6, message="limit param out of bounds (1-1000)"), InvalidInput, InvalidInput, id="6-bounds"),
    pytest.param(Fault.api(17), LastfmPrivateProfile, Forbidden, id="17"),
    pytest.param(Fault.api(10), LastfmConfigError, UpstreamUnavailable, id="10"),
    pytest.param(Fault.api(26), LastfmConfigError, UpstreamUnavailable, id="26"),
    pytest.param(Fault.api(9), LastfmAuthError, Forbidden, id="9"),
    pytest.param(Fault.api(3), LastfmProtocolError, UpstreamUnavailable, id="3"),
    pytest.param(Fault.api(2), LastfmProtocolError, UpstreamUnavailable, id="2"),
    pytest.param(Fault.api(13), LastfmProtocolError, UpstreamUnavailable, id="13"),
]


@pytest.mark.parametrize(("fault", "error", "domain"), PERMANENT)
async def test_permanent_error_is_not_retried(
    fault: Fault,
    error: type[Exception],
    domain: type[Exception],
    make_client: MakeClient,
    standin: LastfmStandin,
    catalog: Catalog,
    vclock: VirtualClock,
) -> None:
    standin.inject(fault, times=None)
    client = make_client()
    artist, title = first_track(catalog)
    with pytest.raises(error) as info:
        await client.track_get_info(artist, title)
    assert isinstance(info.value, domain)
    assert standin.count() == 1
    assert vclock.sleeps == []


async def test_not_found_message_names_the_track(make_client: MakeClient, standin: LastfmStandin) -> None:
    client = make_client()
    with pytest.raises(LastfmNotFound) as info:
        await client.track_get_info("Nobody Knows", "No Such Song")
    assert plain(info.value.user_message) == 'Last.fm couldn\'t find the track "No Such Song" by "Nobody Knows".'
    assert standin.count() == 1


async def test_error_sent_with_http_200_is_detected(make_client: MakeClient, standin: LastfmStandin, session) -> None:
    async with session.get(
        standin.url, params={"method": "track.getInfo", "artist": "x", "track": "y", "format": "json", "api_key": "k"}
    ) as resp:
        assert resp.status == 200 and (await resp.json())["error"] == 6
    with pytest.raises(LastfmNotFound):
        await make_client().track_get_info("x", "y")


async def test_private_profile(make_client: MakeClient, standin: LastfmStandin) -> None:
    with pytest.raises(LastfmPrivateProfile) as info:
        await make_client().user_get_recent_tracks(PRIVATE_USER)
    assert "private" in info.value.user_message
    assert standin.count() == 1


async def test_timeout_is_retried(
    make_client: MakeClient, standin: LastfmStandin, catalog: Catalog, vclock: VirtualClock
) -> None:
    standin.inject(Fault.hang(30), times=1)
    client = make_client(retry=RetryPolicy(total_budget_s=8.0, attempt_timeout_s=0.2))
    artist, title = first_track(catalog)
    result = await client.track_get_info(artist, title)
    assert result.value.name == title
    assert standin.count() == 2


async def test_hanging_upstream_gives_up_within_budget(
    make_client: MakeClient, standin: LastfmStandin, vclock: VirtualClock
) -> None:
    standin.inject(Fault.hang(30), times=None)
    client = make_client(retry=RetryPolicy(total_budget_s=1.0, attempt_timeout_s=0.1))
    with pytest.raises(LastfmUnavailable):
        await client.chart_get_top_tracks()
    assert 2 <= standin.count() <= 4
    assert vclock.monotonic() <= 1.0


async def test_slow_answer_within_timeout_is_not_retried(make_client: MakeClient, standin: LastfmStandin) -> None:
    standin.inject(Fault.slow(0.15), times=1)
    client = make_client(retry=RetryPolicy(attempt_timeout_s=2.0))
    result = await client.chart_get_top_tracks(limit=5)
    assert len(result.value.tracks) == 5
    assert standin.count() == 1


async def test_connection_refused_is_transient(session, vclock: VirtualClock) -> None:
    async with LastfmStandin() as fm:
        url = fm.url
    client = LastfmClient(
        session, api_key=SecretStr(API_KEY), base_url=url, clock=vclock, retry=RetryPolicy(total_budget_s=2.0)
    )
    with pytest.raises(LastfmUnavailable):
        await client.chart_get_top_tracks()
    assert client.http_calls >= 2


async def test_empty_key_is_rejected_as_config_error(
    make_client: MakeClient, standin: LastfmStandin, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(api_key=SecretStr(""))
    with caplog.at_level(logging.CRITICAL, logger="bot.lastfm"), pytest.raises(LastfmConfigError):
        await client.chart_get_top_tracks()
    assert any(r.levelno == logging.CRITICAL and "API key" in r.getMessage() for r in caplog.records)


async def test_suspended_key_stops_all_traffic(make_client: MakeClient, standin: LastfmStandin) -> None:
    standin.inject(Fault.api(26), times=1)
    client = make_client()
    with pytest.raises(LastfmConfigError):
        await client.chart_get_top_tracks()
    with pytest.raises(LastfmConfigError):
        await client.tag_get_top_tracks("jazz")
    assert standin.count() == 1


async def test_requests_identify_sharify_and_ask_for_json(make_client: MakeClient, standin: LastfmStandin) -> None:
    await make_client().chart_get_top_tracks(limit=1)
    call = standin.calls[0]
    assert call.user_agent == USER_AGENT and "Sharify" in USER_AGENT
    assert call.method == "chart.getTopTracks" and call.params == {"limit": "1", "page": "1"}


async def test_api_key_never_logged(
    make_client: MakeClient, standin: LastfmStandin, catalog: Catalog, caplog: pytest.LogCaptureFixture
) -> None:
    standin.inject(Fault.http(503), times=1)
    standin.inject(Fault.api(10), times=1)
    client = make_client()
    artist, title = first_track(catalog)
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(LastfmConfigError):
            await client.track_get_info(artist, title)
        await client.chart_get_top_tracks()
    assert caplog.records, "expected log records to inspect"
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "api_key=REDACTED" in text
    assert API_KEY not in text
    assert API_KEY not in repr(client.transport.__dict__.get("_api_key"))


def test_redact() -> None:
    url = "http://h/2.0/?method=track.getInfo&api_key=abc123&artist=x"
    assert redact(url) == "http://h/2.0/?method=track.getInfo&api_key=REDACTED&artist=x"
    assert redact("http://h/?api_key=abc") == "http://h/?api_key=REDACTED"
