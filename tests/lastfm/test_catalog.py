"""LastfmCatalog, the MusicCatalog port over Last.fm: every port method against the catalog stand-in, domain
types out, domain errors out (never a Last.fm class), and `stale` while Last.fm fails."""

from __future__ import annotations

import pytest

from bot.domain.catalog import Period, PrivateProfile
from bot.domain.errors import NotFound, UpstreamUnavailable
from bot.domain.ports.catalog import MusicCatalog
from bot.lastfm import LastfmError, RetryPolicy
from bot.lastfm.catalog import LastfmCatalog
from bot.sandbox.lastfm_standin import PRIVATE_USER, Catalog, Fault, LastfmStandin
from bot.sandbox.lastfm_standin.charts import ChartApi
from tests.lastfm.conftest import MakeClient
from tests.lastfm.support import MemoryCacheRepo, VirtualClock


@pytest.fixture
def fm(make_client: MakeClient, cache_repo: MemoryCacheRepo) -> LastfmCatalog:
    return LastfmCatalog(make_client(cache=cache_repo, retry=RetryPolicy(total_budget_s=2.0)))


def a_user(catalog: Catalog) -> str:
    return next(name for name, u in catalog.users.items() if not u.private)


async def test_search_tracks(fm: LastfmCatalog, catalog: Catalog) -> None:
    port: MusicCatalog = fm
    t = catalog.tracks[5]
    artist = catalog.artist_of(t).name
    found = await port.search_tracks(t.name, artist=artist, limit=5)
    assert (found.tracks[0].artist, found.tracks[0].name) == (artist, t.name)
    assert found.page == 1 and found.total is not None and not found.stale
    assert found.tracks[0].track.title == t.name  # the domain Track a playlist stores


async def test_track_info_with_the_listeners_plays(fm: LastfmCatalog, catalog: Catalog) -> None:
    user = catalog.users[a_user(catalog)]
    tid, plays = user.top[0]
    t = catalog.tracks[tid]
    artist = catalog.artist_of(t).name
    facts = await fm.track_info(artist.upper(), f"  {t.name.lower()} ", username=user.name)  # autocorrected
    assert (facts.track.artist, facts.track.title) == (artist, t.name)
    assert facts.track.album == t.album and facts.track.duration_s == t.duration_s  # ms became seconds
    assert facts.listeners == t.listeners and facts.playcount == t.playcount
    assert facts.tags == tuple(t.tags) and facts.summary and facts.user_playcount == plays
    assert (await fm.track_info(artist, t.name)).user_playcount is None


async def test_unknown_track_is_not_found(fm: LastfmCatalog) -> None:
    with pytest.raises(NotFound) as e:
        await fm.track_info("Nobody", "Nothing")
    assert not isinstance(e.value, LastfmError) and "Nothing" in e.value.user_message


async def test_the_stub_for_an_unknown_track_is_not_found(make_client: MakeClient) -> None:
    async with LastfmStandin(unknown_track="stub") as stub_fm:
        fm = LastfmCatalog(make_client(base_url=stub_fm.url))
        with pytest.raises(NotFound) as e:
            await fm.track_info("Fake Artist", "Fake Track")
    assert not isinstance(e.value, LastfmError)


async def test_user_info_and_unknown_user(fm: LastfmCatalog, catalog: Catalog) -> None:
    name = a_user(catalog)
    listener = await fm.user_info(name.upper())
    assert listener.username == name and listener.playcount == catalog.users[name].playcount
    assert listener.registered_at is not None
    with pytest.raises(NotFound) as e:
        await fm.user_info("no_such_listener_123")
    assert not isinstance(e.value, LastfmError) and "no_such_listener_123" in e.value.user_message


async def test_recent_tracks_split_now_playing_from_history(fm: LastfmCatalog, catalog: Catalog) -> None:
    name = a_user(catalog)
    user = catalog.users[name]
    recent = await fm.recent_tracks(name, limit=3)
    assert recent.username == name
    assert recent.now_playing is not None and recent.now_playing.name == catalog.tracks[user.now_playing or 0].name
    assert recent.latest == recent.now_playing
    assert [t.name for t in recent.tracks] == [catalog.tracks[tid].name for tid, _ in user.recent[:3]]
    assert all(not t.now_playing and t.played_at is not None for t in recent.tracks)


async def test_private_profile_is_a_domain_error_naming_the_user(fm: LastfmCatalog) -> None:
    for lookup in (fm.recent_tracks(PRIVATE_USER), fm.user_top_tracks(PRIVATE_USER, period=Period.WEEK)):
        with pytest.raises(PrivateProfile) as e:
            await lookup
        assert e.value.username == PRIVATE_USER and "private" in e.value.user_message
        assert not isinstance(e.value, LastfmError)


async def test_user_top_tracks_per_period(fm: LastfmCatalog, catalog: Catalog) -> None:
    name = a_user(catalog)
    overall = await fm.user_top_tracks(name, limit=10)
    assert [(t.name, t.playcount) for t in overall.tracks] == [
        (catalog.tracks[tid].name, plays) for tid, plays in catalog.users[name].top[:10]
    ]
    assert [t.rank for t in overall.tracks] == list(range(1, 11))
    week = await fm.user_top_tracks(name, period=Period.WEEK, limit=200)
    year = await fm.user_top_tracks(name, period=Period.YEAR, limit=200)
    assert 0 < (week.total or 0) < (year.total or 0) <= len(catalog.users[name].top)
    counts = [t.playcount or 0 for t in week.tracks]
    assert counts == sorted(counts, reverse=True) and sum(counts) < sum(t.playcount or 0 for t in year.tracks)
    page2 = await fm.user_top_tracks(name, period=Period.YEAR, limit=5, page=2)
    assert page2.page == 2 and [t.name for t in page2.tracks] == [t.name for t in year.tracks[5:10]]


async def test_similar_tracks_carry_match_scores(fm: LastfmCatalog, catalog: Catalog) -> None:
    t = catalog.tracks[0]
    similar = await fm.similar_tracks(catalog.artist_of(t).name, t.name, limit=20)
    assert len(similar.tracks) == 20 and t.name not in [s.name for s in similar.tracks]
    matches = [s.match for s in similar.tracks]
    assert all(m is not None and 0 < m <= 1 for m in matches)
    assert matches == sorted(matches, reverse=True)  # type: ignore[type-var]
    assert (await fm.similar_tracks("Nobody", "Nothing")).tracks == ()  # Last.fm: an empty list, no error


async def test_similar_artists_and_artist_top_tracks(fm: LastfmCatalog, catalog: Catalog) -> None:
    a = catalog.artists[3]
    similar = await fm.similar_artists(a.name, limit=5)
    assert [(s.name, s.match) for s in similar.artists] == [(catalog.artists[i].name, m) for i, m in a.similar[:5]]
    top = await fm.artist_top_tracks(a.name, limit=3)
    assert [t.name for t in top.tracks] == [catalog.tracks[i].name for i in a.track_ids[:3]]
    assert top.total == len(a.track_ids) and top.total_pages == -(-len(a.track_ids) // 3)
    with pytest.raises(NotFound):
        await fm.artist_top_tracks("Nobody At All")


async def test_artist_top_tags_are_weighted(fm: LastfmCatalog, catalog: Catalog) -> None:
    a = catalog.artists[7]
    tags = await fm.artist_top_tags(a.name.lower())
    assert [t.name for t in tags.tags] == a.tags
    counts = [t.count or 0 for t in tags.tags]
    assert counts[0] == 100 and counts == sorted(counts, reverse=True) and min(counts) >= 1
    assert [(t.name, t.count) for t in tags.tags] == ChartApi(catalog).artist_tags(a)
    with pytest.raises(NotFound):
        await fm.artist_top_tags("Nobody At All")


async def test_tag_top_tracks_pages(fm: LastfmCatalog, catalog: Catalog) -> None:
    tag = catalog.artists[0].tags[0]
    expected = [t.name for t in catalog.tag_tracks(tag)]
    first = await fm.tag_top_tracks(tag, limit=10)
    second = await fm.tag_top_tracks(tag, limit=10, page=2)
    assert [t.name for t in first.tracks] + [t.name for t in second.tracks] == expected[:20]
    assert second.page == 2 and first.total == len(expected) and first.total_pages == -(-len(expected) // 10)


async def test_top_tags_are_the_chart_vocabulary(fm: LastfmCatalog, catalog: Catalog) -> None:
    tags = await fm.top_tags(limit=10)
    assert len(tags.tags) == 10 and tags.page == 1 and tags.total_pages == 4  # 40 tags in the catalog
    counts = [t.count or 0 for t in tags.tags]
    assert counts == sorted(counts, reverse=True) and all(t.reach for t in tags.tags)
    rest = await fm.top_tags(limit=10, page=4)
    everything = {t.name for t in tags.tags} | {t.name for t in rest.tags}
    assert len(everything) == 20


async def test_stale_answers_are_marked_and_outages_are_domain_errors(
    fm: LastfmCatalog, standin: LastfmStandin, vclock: VirtualClock, catalog: Catalog
) -> None:
    a = catalog.artists[1]
    fresh = await fm.similar_artists(a.name)
    vclock.advance(2 * 86_400)  # past the day of freshness, within the week of staleness
    standin.inject(Fault.api(11), times=None)
    stale = await fm.similar_artists(a.name)
    assert stale.stale and stale.artists == fresh.artists
    with pytest.raises(UpstreamUnavailable) as e:
        await fm.artist_top_tags(a.name)  # never fetched: nothing to fall back on
    assert not isinstance(e.value, LastfmError) and "not answering" in e.value.user_message
