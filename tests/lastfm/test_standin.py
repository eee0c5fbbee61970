"""The stand-in itself: a deterministic catalog, Last.fm-shaped answers and its test controls."""

from __future__ import annotations

import json
from collections import Counter

import aiohttp
import pytest

from bot.sandbox.lastfm_standin import PRIVATE_USER, Catalog, Fault, LastfmStandin
from bot.sandbox.lastfm_standin.catalog import TAGS


async def get(session: aiohttp.ClientSession, fm: LastfmStandin, method: str, key: str = "k", **params: str):
    query = {"method": method, "format": "json", "api_key": key, **params}
    async with session.get(fm.url, params=query) as resp:
        return resp.status, await resp.text()


def test_catalog_is_deterministic_and_sized(catalog: Catalog) -> None:
    again = Catalog(seed=1)
    assert [a.name for a in again.artists] == [a.name for a in catalog.artists]
    assert [(t.name, t.duration_s, t.mbid) for t in again.tracks] == [
        (t.name, t.duration_s, t.mbid) for t in catalog.tracks
    ]
    assert [a.name for a in Catalog(seed=2).artists] != [a.name for a in catalog.artists]
    assert len(catalog.artists) == 300 and len(catalog.tracks) == 3000 and len(TAGS) == 40
    assert len(catalog.users) == 21 and catalog.users[PRIVATE_USER].private
    assert len({a.name.casefold() for a in catalog.artists}) == 300
    assert all(95 <= t.duration_s <= 420 for t in catalog.tracks)
    assert all(a.similar for a in catalog.artists)
    used = Counter(tag for a in catalog.artists for tag in a.tags)
    assert len(used) == 40


def test_every_user_has_history(catalog: Catalog) -> None:
    for user in catalog.users.values():
        assert user.now_playing is not None and len(user.recent) == 120 and user.top and user.loved
        times = [uts for _, uts in user.recent]
        assert times == sorted(times, reverse=True)


def test_search_is_case_insensitive_and_prefix_first(catalog: Catalog) -> None:
    hits = catalog.search("CHASING")
    assert hits and all("chasing" in (t.name + " " + catalog.artist_of(t).name).lower() for t in hits)
    prefix = [t.name.lower().startswith("chasing") for t in hits]
    assert prefix == sorted(prefix, reverse=True)  # prefix matches first
    artist = catalog.artists[0]
    by_artist = catalog.search(artist.name.upper())
    assert {t.id for t in by_artist} >= set(artist.track_ids)


async def test_autocorrect_case_and_whitespace(
    standin: LastfmStandin, session: aiohttp.ClientSession, catalog: Catalog
) -> None:
    t = catalog.tracks[0]
    artist = catalog.artist_of(t).name
    status, body = await get(
        session,
        standin,
        "track.getInfo",
        artist=f"  {artist.upper()} ",
        track=t.name.lower().replace(" ", "  "),
        autocorrect="1",
    )
    assert status == 200 and f'"name": "{t.name}"' in body
    status, body = await get(
        session, standin, "track.getInfo", artist=f"  {artist.upper()} ", track=t.name, autocorrect="0"
    )
    assert '"error": 6' in body


async def test_unknown_track_error_or_stub(catalog: Catalog, session: aiohttp.ClientSession) -> None:
    async with LastfmStandin(catalog=catalog) as fm:
        status, body = await get(session, fm, "track.getInfo", artist="Fake Artist", track="Fake Track")
        assert status == 200 and '"error": 6' in body and "Track not found" in body
    async with LastfmStandin(catalog=catalog, unknown_track="stub") as fm:
        status, body = await get(session, fm, "track.getInfo", artist="Fake Artist", track="Fake Track")
        assert status == 200 and '"duration": "0"' in body and "error" not in body


async def test_private_user_and_unknown_user(standin: LastfmStandin, session: aiohttp.ClientSession) -> None:
    assert (await get(session, standin, "user.getRecentTracks", user=PRIVATE_USER))[0] == 403
    assert (await get(session, standin, "user.getInfo", user=PRIVATE_USER))[0] == 200
    status, body = await get(session, standin, "user.getInfo", user="nobody_at_all")
    assert status == 404 and "User not found" in body


async def test_now_playing_is_on_top_of_the_limit(standin: LastfmStandin, session: aiohttp.ClientSession) -> None:
    user = next(iter(standin.catalog.users))  # type: ignore[union-attr]
    _, body = await get(session, standin, "user.getRecentTracks", user=user, limit="3")
    tracks = json.loads(body)["recenttracks"]["track"]
    assert len(tracks) == 4 and tracks[0]["@attr"] == {"nowplaying": "true"} and "date" not in tracks[0]
    _, body = await get(session, standin, "user.getRecentTracks", user=user, limit="1", page="2")
    assert isinstance(json.loads(body)["recenttracks"]["track"], dict)  # one result: an object


async def test_empty_key_and_unknown_method(standin: LastfmStandin, session: aiohttp.ClientSession) -> None:
    status, body = await get(session, standin, "chart.getTopTracks", key="")
    assert status == 403 and '"error": 10' in body
    status, body = await get(session, standin, "track.scrobbleEverything")
    assert status == 400 and '"error": 3' in body
    status, body = await get(session, standin, "chart.getTopTracks", limit="5000")
    assert '"error": 6' in body and "out of bounds" in body


async def test_fault_injection_controls(standin: LastfmStandin, session: aiohttp.ClientSession) -> None:
    standin.inject(Fault.http(503), times=2, method="chart.getTopTracks")
    assert (await get(session, standin, "tag.getInfo", tag="jazz"))[0] == 200  # other method untouched
    assert [(await get(session, standin, "chart.getTopTracks"))[0] for _ in range(3)] == [503, 503, 200]
    standin.inject(Fault.html(), times=1)
    status, body = await get(session, standin, "chart.getTopTracks")
    assert status == 502 and body.startswith("<html>")
    standin.inject(Fault.api(16), fraction=0.5)
    statuses = [(await get(session, standin, "tag.getInfo", tag="jazz"))[0] for _ in range(40)]
    assert 8 <= statuses.count(503) <= 32 and statuses.count(200) >= 8
    standin.clear_faults()
    assert standin.count("tag.getInfo", tag="jazz") == 41
    assert standin.count("chart.getTopTracks") == 4


def test_fault_constructors() -> None:
    assert Fault.api(29).status == 429 and Fault.api(17).status == 403 and Fault.api(11).status == 503
    assert Fault.api(6, message="User not found").status == 404
    assert "Rate Limit" in Fault.api(29).message


@pytest.mark.parametrize("method", ["track.search", "chart.getTopTracks", "user.getInfo"])
async def test_fixtures_mode_serves_recorded_bytes(
    method: str, fixture_standin: LastfmStandin, session: aiohttp.ClientSession
) -> None:
    name = fixture_standin.fixtures.file_for(method, {"user": "ishaanshah"})  # type: ignore[union-attr]
    assert name is not None
    status, body = await get(session, fixture_standin, method, user="ishaanshah")
    assert status == 200
    assert body.encode() == (fixture_standin.fixtures.directory / name).read_bytes()  # type: ignore[union-attr]
