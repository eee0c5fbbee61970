"""The music service over a small in-memory catalog (a plain MusicCatalog) and a real SQLite account store:
resolve, suggest within its budget, link/unlink, now playing, track details, private profiles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.domain import text
from bot.domain.catalog import (
    ArtistList,
    CatalogTrack,
    Listener,
    Listening,
    Period,
    PrivateProfile,
    TagList,
    TrackFacts,
    TrackList,
)
from bot.domain.errors import Forbidden, InvalidInput, NotFound, UpstreamUnavailable
from bot.domain.models import Track
from bot.domain.ports.catalog import MusicCatalog
from bot.domain.services.music import LINK_FIRST, MusicService
from bot.domain.text import plain

ALICE, BOB = 11, 12


def song(artist: str, name: str, **kw: object) -> CatalogTrack:
    return CatalogTrack(artist=artist, name=name, url=f"https://music.example/{artist}/{name}", **kw)  # type: ignore[arg-type]


SONGS = [
    song("Radiohead", "Karma Police", album="OK Computer", duration_s=264),
    song("Radiohead", "No Surprises", album="OK Computer", duration_s=229),
    song("Portishead", "Roads", album="Dummy", duration_s=305),
    song("Massive Attack", "Teardrop", album="Mezzanine", duration_s=330),
]


class MemoryCatalog:
    """A MusicCatalog in memory: case-insensitive lookups and a misspelling table stand in for autocorrect."""

    def __init__(self) -> None:
        self.corrections = {"radiohed": "radiohead"}
        self.tracks = list(SONGS)
        self.users = {"mossy_owl": "Mossy_Owl", "hidden": "hidden", "quiet": "quiet"}
        self.private = {"hidden"}
        self.recent: dict[str, list[CatalogTrack]] = {
            "Mossy_Owl": [SONGS[2].model_copy(update={"played_at": datetime(2026, 11, 1, tzinfo=UTC)}), SONGS[3]],
            "quiet": [],
        }
        self.now_playing: dict[str, CatalogTrack] = {}
        self.plays = {("Mossy_Owl", "Karma Police"): 42}
        self.down = False  # every lookup raises UpstreamUnavailable
        self.stale = False
        self.search_gate: asyncio.Event | None = None  # searches wait on it when set
        self.searches: list[tuple[str, str | None]] = []

    def _check(self) -> None:
        if self.down:
            raise UpstreamUnavailable("Last.fm is not answering right now.")

    def _user(self, username: str) -> str:
        name = self.users.get(username.casefold())
        if name is None:
            raise NotFound(f'Last.fm couldn\'t find the user "{username}".')
        return name

    async def search_tracks(
        self, query: str, *, artist: str | None = None, limit: int = 30, page: int = 1
    ) -> TrackList:
        self.searches.append((query, artist))
        if self.search_gate is not None:
            await self.search_gate.wait()
        self._check()
        q = query.casefold()
        hits = [
            t
            for t in self.tracks
            if (q in t.name.casefold() or q in t.artist.casefold())
            and (artist is None or artist.casefold() in t.artist.casefold())
        ]
        return TrackList(tracks=tuple(hits[:limit]), total=len(hits), stale=self.stale)

    async def track_info(self, artist: str, title: str, *, username: str | None = None) -> TrackFacts:
        self._check()
        wanted = artist.strip().casefold()
        wanted = self.corrections.get(wanted, wanted)
        for t in self.tracks:
            if (t.artist.casefold(), t.name.casefold()) == (wanted, title.strip().casefold()):
                plays = self.plays.get((self._user(username), t.name), 0) if username else None
                return TrackFacts(
                    track=t.track, listeners=1000, tags=("trip-hop",), user_playcount=plays, stale=self.stale
                )
        raise NotFound(f'Last.fm couldn\'t find the track "{title}" by {artist}.')

    async def user_info(self, username: str) -> Listener:
        self._check()
        return Listener(username=self._user(username), stale=self.stale)

    async def recent_tracks(self, username: str, *, limit: int = 50, page: int = 1) -> Listening:
        self._check()
        name = self._user(username)
        if name in self.private:
            raise PrivateProfile(name)
        return Listening(
            username=name,
            tracks=tuple(self.recent.get(name, [])[:limit]),
            now_playing=self.now_playing.get(name),
            stale=self.stale,
        )

    async def user_top_tracks(
        self, username: str, *, period: Period = Period.OVERALL, limit: int = 50, page: int = 1
    ) -> TrackList:
        raise NotImplementedError  # the music service does not use it

    async def similar_tracks(self, artist: str, title: str, *, limit: int = 50) -> TrackList:
        raise NotImplementedError

    async def similar_artists(self, artist: str, *, limit: int = 30) -> ArtistList:
        raise NotImplementedError

    async def artist_top_tracks(self, artist: str, *, limit: int = 50, page: int = 1) -> TrackList:
        raise NotImplementedError

    async def artist_top_tags(self, artist: str) -> TagList:
        raise NotImplementedError

    async def tag_top_tracks(self, tag: str, *, limit: int = 50, page: int = 1) -> TrackList:
        raise NotImplementedError

    async def top_tags(self, *, limit: int = 50, page: int = 1) -> TagList:
        raise NotImplementedError


@pytest.fixture
def catalog() -> MemoryCatalog:
    return MemoryCatalog()


@pytest.fixture
def music(catalog: MemoryCatalog, sqlite_storage, clock) -> MusicService:
    port: MusicCatalog = catalog  # a plain class satisfies the port
    return MusicService(port, sqlite_storage.accounts, clock=clock)


@pytest.fixture
def offline(sqlite_storage, clock) -> MusicService:
    return MusicService(None, sqlite_storage.accounts, clock=clock)


# -- resolve ------------------------------------------------------------------------------------------------------


async def test_resolve_finds_the_real_track_with_its_details(music):
    r = await music.resolve("Radiohead - Karma Police")
    assert r.verified and not r.corrected and not r.stale
    assert r.track == Track(
        artist="Radiohead",
        title="Karma Police",
        album="OK Computer",
        duration_s=264,
        url="https://music.example/Radiohead/Karma Police",
    )


async def test_resolve_reports_a_corrected_spelling(music):
    assert not (await music.resolve("radiohead - karma police")).corrected  # only the case differs
    r = await music.resolve("Radiohed - Karma Police")
    assert r.verified and r.corrected
    assert (r.track.artist, r.track.title) == ("Radiohead", "Karma Police")


async def test_resolve_passes_on_a_stale_answer(music, catalog):
    catalog.stale = True
    r = await music.resolve("Portishead - Roads")
    assert r.verified and r.stale


async def test_resolve_unknown_names_the_closest_matches(music):
    with pytest.raises(NotFound) as e:
        await music.resolve("Radiohead - Karma Polis")
    message = e.value.user_message
    assert 'I couldn\'t find "Radiohead - Karma Polis"' in plain(message)
    assert 'Closest matches: "Radiohead - Karma Police"; "Radiohead - No Surprises".' in plain(message)


async def test_resolve_unknown_without_anything_close_says_check_the_spelling(music):
    with pytest.raises(NotFound) as e:
        await music.resolve("Nobody - Nothing")
    assert "Check the spelling" in plain(e.value.user_message) and "Closest" not in plain(e.value.user_message)


async def test_resolve_keeps_the_text_as_typed_when_the_catalog_is_down(music, catalog):
    catalog.down = True
    r = await music.resolve("Radiohead - Karma Police")
    assert not r.verified and not r.corrected
    assert r.track == text.parse_track("Radiohead - Karma Police")


async def test_resolve_without_a_catalog_keeps_the_text_as_typed(offline):
    r = await offline.resolve("Someone - Something")
    assert not r.verified and (r.track.artist, r.track.title) == ("Someone", "Something")
    assert not offline.available


# -- suggest ------------------------------------------------------------------------------------------------------


async def test_suggest_searches_titles_and_splits_artist_from_title(music, catalog):
    found = await music.suggest("Radiohead - Karma")
    assert [(t.artist, t.name) for t in found] == [("Radiohead", "Karma Police")]
    assert catalog.searches[-1] == ("Karma", "Radiohead")
    found = await music.suggest("head", limit=2)
    assert len(found) == 2 and catalog.searches[-1] == ("head", None)


async def test_suggest_needs_two_characters_and_a_catalog(music, offline, catalog):
    assert await music.suggest(" r ") == []
    assert catalog.searches == []
    assert await offline.suggest("Radiohead") == []


async def test_suggest_answers_empty_when_the_budget_runs_out(music, catalog):
    catalog.search_gate = asyncio.Event()  # the search never comes back
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await music.suggest("Radiohead", budget=0.05) == []
    assert loop.time() - started < 1.0
    catalog.search_gate.set()
    assert [t.name for t in await music.suggest("Radiohead", budget=0.5)] == ["Karma Police", "No Surprises"]


async def test_suggest_never_raises_when_the_catalog_fails(music, catalog):
    catalog.down = True
    assert await music.suggest("Radiohead") == []


# -- accounts -----------------------------------------------------------------------------------------------------


async def test_link_stores_the_catalogs_spelling_and_unlink_forgets(music, clock):
    account = await music.link(ALICE, "  MOSSY_OWL ")
    assert account.lastfm_username == "Mossy_Owl" and account.linked_at == clock.now()
    assert await music.account(ALICE) == account
    assert await music.unlink(ALICE) is True
    assert await music.unlink(ALICE) is False
    with pytest.raises(NotFound) as e:
        await music.account(ALICE)
    assert e.value.user_message == LINK_FIRST


async def test_link_refuses_bad_and_unknown_names(music):
    with pytest.raises(InvalidInput):
        await music.link(ALICE, "bad name!")
    with pytest.raises(NotFound) as e:
        await music.link(ALICE, "nobody_here")
    assert "nobody_here" in plain(e.value.user_message)
    with pytest.raises(NotFound):
        await music.account(ALICE)


async def test_link_without_a_catalog_says_it_is_not_set_up(offline):
    with pytest.raises(UpstreamUnavailable) as e:
        await offline.link(ALICE, "mossy_owl")
    assert "isn't set up" in plain(e.value.user_message)


# -- now playing --------------------------------------------------------------------------------------------------


async def test_playing_prefers_the_track_playing_now(music, catalog):
    await music.link(ALICE, "mossy_owl")
    playing = await music.playing(ALICE)
    assert not playing.item.now_playing and playing.track.title == "Roads"  # the most recent scrobble
    assert playing.account.lastfm_username == "Mossy_Owl" and not playing.stale
    catalog.now_playing["Mossy_Owl"] = SONGS[0].model_copy(update={"now_playing": True})
    catalog.stale = True
    playing = await music.playing(ALICE)
    assert playing.item.now_playing and playing.track.title == "Karma Police" and playing.stale


async def test_playing_needs_a_link_and_some_scrobbles(music):
    with pytest.raises(NotFound) as e:
        await music.playing(BOB)
    assert e.value.user_message == LINK_FIRST
    await music.link(BOB, "quiet")
    with pytest.raises(NotFound) as e:
        await music.playing(BOB)
    assert '"quiet" hasn\'t scrobbled anything yet' in plain(e.value.user_message)


async def test_playing_on_a_private_profile_is_named_as_such(music):
    await music.link(BOB, "hidden")
    with pytest.raises(PrivateProfile) as e:
        await music.playing(BOB)
    assert isinstance(e.value, Forbidden) and e.value.username == "hidden"
    assert "hidden's Last.fm profile is private" in plain(e.value.user_message)


# -- details ------------------------------------------------------------------------------------------------------


async def test_details_add_the_linked_members_plays(music):
    anonymous = await music.details("Radiohead - Karma Police", ALICE)
    assert anonymous.linked is None and anonymous.facts.user_playcount is None
    assert anonymous.facts.track.album == "OK Computer" and anonymous.facts.tags == ("trip-hop",)
    await music.link(ALICE, "mossy_owl")
    mine = await music.details("Radiohead - Karma Police", ALICE)
    assert mine.linked is not None and mine.facts.user_playcount == 42


async def test_details_of_an_unknown_track_name_the_closest_matches(music):
    with pytest.raises(NotFound) as e:
        await music.details("Portishead - Rodas", ALICE)
    assert 'Closest matches: "Portishead - Roads".' in plain(e.value.user_message)


async def test_details_without_a_catalog_say_it_is_not_set_up(offline):
    with pytest.raises(UpstreamUnavailable):
        await offline.details("Radiohead - Karma Police", ALICE)
