"""The mix service over an in-memory catalog and a real SQLite store: each kind of mix, its reasons, the quality
rules on real results, partial failures (each source failing alone), Last.fm down, saving and adding."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime

import pytest

from bot.domain import text
from bot.domain.errors import Forbidden, InvalidInput, LimitExceeded, NotFound, UpstreamUnavailable
from bot.domain.mixes.model import BlendInputs, ExtendInputs, Match, MoodInputs, ReasonKind, SimilarInputs, Size
from bot.domain.models import Account, PlaylistMode, Track
from bot.domain.permissions import Actor
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from tests.domain.mixcatalog import MixCatalog

G = 1
ALICE, BOB = Actor(G, 11), Actor(G, 12)


@pytest.fixture
def fm() -> MixCatalog:
    return MixCatalog()


@pytest.fixture
def playlists(sqlite_storage, clock) -> PlaylistService:
    return PlaylistService(sqlite_storage, limits=Limits(max_tracks=20), clock=clock)


@pytest.fixture
def mixes(fm, sqlite_storage, playlists, clock) -> MixService:
    music = MusicService(fm, sqlite_storage.accounts, clock=clock)
    return MixService(music, playlists, sqlite_storage)


def check_rules(picks, per_artist: int = 2) -> None:
    keys = [text.track_key(p.track) for p in picks]
    assert len(keys) == len(set(keys))
    assert max(Counter(p.track.artist for p in picks).values()) <= per_artist
    assert all(a.track.artist != b.track.artist for a, b in itertools.pairwise(picks))


async def test_mood_mix_follows_the_rules_names_its_reasons_and_is_deterministic(mixes, fm):
    inputs = MoodInputs(tags=("rainy", "lo-fi"), size=Size(tracks=20))
    mix = await mixes.make(inputs, seed=5)
    assert len(mix.picks) == 20 and mix.short is None and not mix.missing
    check_rules(mix.picks)
    assert all(r.kind is ReasonKind.TAG and r.subject in ("rainy", "lo-fi") for p in mix.picks for r in p.reasons)
    assert [p.track for p in (await mixes.make(inputs, seed=5)).picks] == [p.track for p in mix.picks]
    assert [p.track for p in (await mixes.make(inputs, seed=6)).picks] != [p.track for p in mix.picks]
    assert fm.asked("tag_top_tracks") == 6  # one page per tag per mix: 20 tracks need no second page


async def test_mood_all_ranks_tracks_of_several_tags_first(mixes):
    mix = await mixes.make(MoodInputs(tags=("rainy", "lo-fi"), match=Match.ALL, size=Size(tracks=10)), seed=1)
    assert all({r.subject for r in p.reasons} == {"rainy", "lo-fi"} for p in mix.picks)  # artists 10-19 carry both


async def test_mood_reads_more_pages_when_the_size_needs_them(mixes, fm):
    await mixes.make(MoodInputs(tags=("rainy",), size=Size(tracks=100)), seed=1)
    # 300 candidates wanted at 100 a page, but the tag has 120 tracks: two pages, not a request past its end
    assert fm.asked("tag_top_tracks", "rainy") == 2


async def test_mood_names_an_unknown_tag_and_mixes_the_rest(mixes):
    mix = await mixes.make(MoodInputs(tags=("rainy", "zzzq")), seed=1)
    assert any("zzzq" in m and "unknown" in m for m in mix.missing)
    assert len(mix.picks) == 25


async def test_mood_with_only_unknown_tags_says_so(mixes):
    with pytest.raises(NotFound, match="zzzq"):
        await mixes.make(MoodInputs(tags=("zzzq",)), seed=1)


async def test_mood_avoid_filters_by_the_artists_top_tags(mixes, fm):
    mix = await mixes.make(MoodInputs(tags=("lo-fi",), avoid=("metal",), size=Size(tracks=20)), seed=3)
    assert mix.picks
    assert all("metal" not in fm.artist_tags[p.track.artist] for p in mix.picks)  # artists 25-29 are metal too
    assert fm.asked("artist_top_tags") > 0


async def test_a_failing_tag_is_named_and_all_failing_is_last_fm_down(mixes, fm):
    fm.failing.add(("tag_top_tracks", "lo-fi"))
    mix = await mixes.make(MoodInputs(tags=("rainy", "lo-fi")), seed=1)
    assert any("lo-fi" in m and "could not be read" in m for m in mix.missing) and len(mix.picks) == 25
    fm.down = True
    with pytest.raises(UpstreamUnavailable):
        await mixes.make(MoodInputs(tags=("rainy", "lo-fi")), seed=1)


async def test_mix_by_length(mixes):
    mix = await mixes.make(MoodInputs(tags=("rainy",), size=Size(length_s=3600)), seed=1)
    assert abs(mix.total_s - 3600) <= 180 and mix.short is None


async def test_similar_mix_sums_matches_and_excludes_the_seeds(mixes, fm):
    seeds = (Track(artist="Artist 03", title="Artist 03 Song 0"), Track(artist="Artist 04", title="Artist 04 Song 0"))
    mix = await mixes.make(SimilarInputs(seeds=seeds, size=Size(tracks=10)), seed=2)
    assert len(mix.picks) == 10
    check_rules(mix.picks)
    assert all(text.track_key(p.track) not in {text.track_key(s) for s in seeds} for p in mix.picks)
    assert any(p.reasons[0].kind is ReasonKind.SIMILAR and p.reasons[0].score for p in mix.picks)
    assert fm.asked("similar_artists") == 0  # enough similar tracks: no fallback


async def test_similar_short_after_the_rules_borrows_from_similar_artists_then_says_what_is_missing(mixes, fm):
    seeds = (Track(artist="Artist 03", title="Artist 03 Song 0"),)  # 25 similar tracks, but by only 5 artists
    mix = await mixes.make(SimilarInputs(seeds=seeds, size=Size(tracks=20)), seed=2)
    assert fm.asked("similar_artists", "Artist 03") == 1
    assert len(mix.picks) == 20 and mix.short is None
    check_rules(mix.picks)
    lonely = await mixes.make(SimilarInputs(seeds=seeds, size=Size(tracks=40)), seed=2)
    # 5 artists of similar tracks + 6 similar artists, at most 2 tracks each
    assert lonely.short == "Only 22 of 40 tracks could be found that fit the rules."


async def test_similar_falls_back_to_similar_artists_for_a_thin_seed(mixes, fm):
    seeds = (Track(artist="Artist 07", title="Lonely Song"),)  # no similar tracks
    mix = await mixes.make(SimilarInputs(seeds=seeds, size=Size(tracks=10)), seed=2)
    assert len(mix.picks) == 10
    assert all(p.reasons[0].kind is ReasonKind.ARTIST for p in mix.picks)
    assert fm.asked("similar_artists", "Artist 07") == 1


async def test_similar_unknown_seed_is_named_while_the_others_mix(mixes):
    seeds = (Track(artist="Nobody", title="Nothing"), Track(artist="Artist 01", title="Artist 01 Song 1"))
    mix = await mixes.make(SimilarInputs(seeds=seeds, size=Size(tracks=10)), seed=2)
    assert any("Nobody" in m for m in mix.missing) and len(mix.picks) == 10


async def test_extend_finds_new_tracks_like_the_playlist(mixes, playlists, fm):
    await playlists.create(ALICE, "chill")
    held = [fm.songs[f"Artist {i:02d}"][0].track for i in range(10, 16)]
    await playlists.add(ALICE, "chill", held)
    mix = await mixes.make(ExtendInputs(guild_id=G, playlist="chill", count=12), seed=4)
    assert len(mix.picks) == 12
    assert not {text.track_key(p.track) for p in mix.picks} & {text.track_key(t) for t in held}
    check_rules(mix.picks)
    with pytest.raises(NotFound):
        await mixes.make(ExtendInputs(guild_id=G, playlist="nope"), seed=1)


async def link(storage, uid: int, name: str, *, consent: bool) -> None:
    await storage.accounts.link(Account(user_id=uid, lastfm_username=name, linked_at=datetime.now(UTC)))
    if consent:
        await storage.accounts.set_consent(uid, True)


async def test_blend_reads_only_consenting_members_and_says_who_was_skipped(mixes, fm, sqlite_storage):
    fm.add_user("ann", [0, 1, 2, 3], recent=[9])
    fm.add_user("ben", [2, 3, 4, 5])
    fm.add_user("cat", [6, 7, 8])
    fm.add_user("dee", [8, 9])
    fm.private.add("dee")
    await link(sqlite_storage, 1, "ann", consent=True)
    await link(sqlite_storage, 2, "ben", consent=True)
    await link(sqlite_storage, 3, "cat", consent=False)
    await link(sqlite_storage, 4, "dee", consent=True)
    mix = await mixes.make(BlendInputs(guild_id=G, user_ids=(1, 2, 3, 4, 5), size=Size(tracks=12)), seed=1)
    assert mix.used == (1, 2)
    assert {(s.user_id, s.why) for s in mix.skipped} == {
        (3, "no consent"), (5, "not linked"), (4, "private profile")
    }  # fmt: skip
    assert fm.asked("user_top_tracks", "cat") == fm.asked("recent_tracks", "cat") == 0  # never read
    check_rules(mix.picks)
    shared = [p for p in mix.picks if p.reasons[0].user_ids == (1, 2)]
    assert shared and mix.picks[: len(shared)] != () and mix.picks[0].reasons[0].user_ids == (1, 2)
    owners = Counter(p.reasons[0].user_ids for p in mix.picks)
    assert owners[(1,)] >= 3 and owners[(2,)] >= 3  # a fair share each


async def test_blend_without_anyone_usable_explains(mixes, sqlite_storage):
    await link(sqlite_storage, 3, "cat", consent=False)
    with pytest.raises(InvalidInput, match="no consent"):
        await mixes.make(BlendInputs(guild_id=G, user_ids=(3,)), seed=1)


async def test_unlinking_removes_consent(mixes, fm, sqlite_storage, clock):
    fm.add_user("ann", [0, 1])
    await link(sqlite_storage, 1, "ann", consent=True)
    music = MusicService(fm, sqlite_storage.accounts, clock=clock)
    assert (await sqlite_storage.accounts.get(1)).mix_consent
    await music.unlink(1)
    await sqlite_storage.accounts.link(Account(user_id=1, lastfm_username="ann", linked_at=datetime.now(UTC)))
    with pytest.raises(InvalidInput):
        await mixes.make(BlendInputs(guild_id=G, user_ids=(1,)), seed=1)
    assert fm.asked("user_top_tracks") == 0
    with pytest.raises(NotFound):
        await music.set_consent(99, True)


async def test_save_keeps_who_and_why_and_add_skips_what_the_playlist_holds(mixes, playlists, sqlite_storage):
    mix = await mixes.make(MoodInputs(tags=("rainy",), size=Size(tracks=10)), seed=1)
    saved = await mixes.save(BOB, "rainy day", mix)
    assert saved.track_count == 10
    entries = await sqlite_storage.entries.page(G, saved.id)
    assert {e.added_by for e in entries} == {BOB.user_id}
    event = (await playlists.history(G, "rainy day", limit=1))[0]
    assert event.data["reasons"][0].startswith("tag rainy #")
    again = await mixes.make(MoodInputs(tags=("rainy",), size=Size(tracks=10)), seed=2)
    playlist, added, already = await mixes.add_to(ALICE, "rainy day", again)
    assert added + already == 10 and already > 0 and playlist.track_count == 10 + added


async def test_add_respects_the_playlist_mode_and_limit(mixes, playlists):
    await playlists.create(ALICE, "mine", mode=PlaylistMode.LOCKED)
    mix = await mixes.make(MoodInputs(tags=("rainy",), size=Size(tracks=10)), seed=1)
    with pytest.raises(Forbidden):
        await mixes.add_to(BOB, "mine", mix)
    assert [p.name for p in await mixes.editable(BOB)] == []
    big = await mixes.make(MoodInputs(tags=("rainy", "lo-fi"), size=Size(tracks=25)), seed=1)
    with pytest.raises(LimitExceeded, match="room for 20"):
        await mixes.add_to(ALICE, "mine", big)
    assert (await playlists.get(G, "mine")).track_count == 0


async def test_tag_autocomplete_completes_the_last_tag_and_keeps_what_was_typed(mixes, fm):
    assert await mixes.suggest_tags("rainy, l") == ["rainy, l", "rainy, lo-fi", "rainy, metal"]
    assert (await mixes.suggest_tags("ra"))[:3] == ["ra", "rainy", "rap"]
    await mixes.suggest_tags("ja")
    assert fm.asked("top_tags") == 1  # the vocabulary is read once
