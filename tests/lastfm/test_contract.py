"""Every recorded Last.fm response parses to the right model or raises the right error, directly and over HTTP
through the stand-in in fixtures mode. A new fixture file fails `test_every_fixture_is_classified` until it
gets a row in EXPECTED."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.domain.errors import Forbidden, InvalidInput, NotFound, SharifyError, UpstreamUnavailable
from bot.lastfm import (
    AlbumInfo,
    ArtistInfo,
    LastfmAuthError,
    LastfmClient,
    LastfmConfigError,
    LastfmInvalidRequest,
    LastfmNotFound,
    LastfmPrivateProfile,
    LastfmProtocolError,
    LastfmRateLimited,
    RetryPolicy,
    SimilarArtists,
    SimilarTracks,
    TagInfo,
    TrackInfo,
    TrackPage,
    UserInfo,
    to_track,
)
from bot.lastfm.models import LastfmModel
from bot.lastfm.parse import parse
from bot.sandbox.lastfm_standin import LastfmStandin, status_for_error
from tests.lastfm.conftest import API_KEY, FIXTURES_DIR

Check = Callable[[Any], None]


@dataclass(frozen=True)
class Expect:
    method: str
    model: type[LastfmModel] | None = None
    check: Check | None = None
    error: type[SharifyError] | None = None
    code: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    http_status: int | None = None  # what Last.fm sends with this error body


def ok(method: str, model: type[LastfmModel], check: Check) -> Expect:
    return Expect(method, model=model, check=check)


def err(method: str, error: type[SharifyError], code: int | None, status: int | None = None, **params: str) -> Expect:
    return Expect(method, error=error, code=code, params=params, http_status=status)


# -- checks, each on something a naive parser gets wrong ----------------------------------------------------


def _album_iflastfm(m: AlbumInfo) -> None:
    assert (m.name, m.artist) == ("Ray of Light", "Madonna")
    assert m.tracks and all(isinstance(t.duration_s, int) for t in m.tracks)
    assert m.tracks[0].duration_s == 308  # "308": seconds, as a string
    assert m.listeners == 509271


def _album_lfmdocs(m: AlbumInfo) -> None:
    assert m.tracks[0].name == "Enter Sandman" and m.tracks[0].duration_s == 382  # seconds as a JSON number
    assert "metal" in m.tags and len(m.tags) == 5


def _album_cher(m: AlbumInfo) -> None:
    assert m.user_playcount == 0 and m.tracks[0].rank == 1  # JSON numbers, not strings
    assert m.tags == ["pop", "dance", "90s", "1998", "cher"]


def _album_tags_empty(m: AlbumInfo) -> None:
    assert m.tags == [] and m.tracks == [] and m.images == {} and m.mbid is None  # "tags": "", "mbid": ""
    assert m.playcount == 2


def _artist_weeknd(m: ArtistInfo) -> None:
    assert m.name == "The Weeknd" and m.user_playcount == 7211 and m.listeners == 1688480
    assert m.similar and m.similar[0].name == "Drake"
    assert "" not in m.images and "mega" in m.images  # size "" dropped


def _artist_u2(m: ArtistInfo) -> None:
    assert m.name == "U2" and m.tags[0] == "rock" and m.similar[0].name == "Passengers"
    assert m.user_playcount is None and m.on_tour is False


def _similar_artists_qotsa(m: SimilarArtists) -> None:
    assert m.artist == "Queens of the Stone Age"
    assert m.artists[0].match == 1.0 and all(isinstance(a.match, float) for a in m.artists)  # "1", "0.62"


def _similar_artists_u2(m: SimilarArtists) -> None:
    assert m.artist == "U2" and m.artists[0].name == "Passengers" and m.artists[0].match == 1.0


def _empty_similar_artists(m: SimilarArtists) -> None:
    assert m.artists == [] and m.artist == "[unknown]"


def _top_cornell(m: TrackPage) -> None:
    assert len(m.tracks) == 50 and m.tracks[0].name == "You Know My Name"
    assert [t.rank for t in m.tracks[:3]] == [1, 2, 3] and m.tracks[0].playcount == 2053916


def _top_u2(m: TrackPage) -> None:
    assert [t.name for t in m.tracks] == ["Beautiful Day", m.tracks[1].name] and m.tracks[0].artist == "U2"


def _top_unknown(m: TrackPage) -> None:
    assert sum(t.mbid is None for t in m.tracks) == 48  # the key is missing entirely on 48 of 50
    assert m.tracks[0].artist_mbid == "5dfdca28-9ddc-4853-933c-8bc97d87beec"


def _chart(m: TrackPage) -> None:
    assert m.tracks[0].name == "vampire" and m.tracks[0].duration_s is None  # "0" = unknown
    assert m.tracks[0].mbid is None and m.tracks[0].artist_mbid is None  # ""


def _tag_info_metal(m: TagInfo) -> None:
    assert (m.name, m.total, m.reach) == ("metal", 1279720, 157277)


def _tag_info_unknown(m: TagInfo) -> None:
    assert m.total == 0 and m.reach == 0


def _tag_top_empty(m: TrackPage) -> None:
    assert m.tracks == [] and m.total == 0 and m.query == "thistagdoesntexist"


def _track_info(m: TrackInfo) -> None:
    assert (m.artist, m.name) == ("Linkin Park", "One Step Closer")
    assert m.duration_s == 157  # "157000" ms
    assert m.album == "Road To Revolution: Live at Milton Keynes" and m.album_position == 1
    assert "rock" in m.tags and m.images.get("extralarge", "").endswith(".png")
    assert to_track(m).duration_s == 157 and to_track(m).album == m.album


def _track_info_no_user(m: TrackInfo) -> None:
    _track_info(m)
    assert m.user_playcount is None and m.user_loved is None


def _track_info_user(m: TrackInfo) -> None:
    _track_info(m)
    assert m.user_playcount == 36 and m.user_loved is False


def _track_stub(m: TrackInfo) -> None:
    assert m.name == "Fake Track" and m.duration_s is None and m.album is None and m.tags == []
    assert m.mbid is None


def _similar_tracks_empty(m: SimilarTracks) -> None:
    assert m.tracks == []


def _similar_tracks(m: SimilarTracks) -> None:
    assert m.tracks[0].name == "Dreaming of Me" and m.tracks[0].match == 1.0
    assert any(t.mbid is None for t in m.tracks)  # "mbid": ""


def _search_none(m: TrackPage) -> None:
    assert m.tracks == [] and m.total == 0 and m.per_page == 30


def _search_2013(m: TrackPage) -> None:
    assert m.total == 29 and m.query == "transfuzja coma"
    assert m.tracks[0].name == "Transfuzja" and m.tracks[0].artist == "Coma" and m.tracks[0].listeners == 39351
    assert m.tracks[0].image_url and m.tracks[0].image_url.endswith("300x300/45865063.jpg")
    assert any(t.images == {} for t in m.tracks[1:])  # only the first match has images


def _user_lfmdocs(m: UserInfo) -> None:
    assert m.name == "TyphoonsNotABot" and m.playcount == 138223 and m.country == "United Kingdom"
    assert m.registered_at is not None and m.registered_at.year == 2019


def _user_listenbrainz(m: UserInfo) -> None:
    assert m.country is None and m.images == {} and m.realname is None  # "None", "" URLs, ""
    assert m.registered_at is not None and int(m.registered_at.timestamp()) == 1513921363


def _loved_lfmdocs(m: TrackPage) -> None:
    t = m.tracks[0]
    assert t.name == "Davy Crochet" and t.loved is True and t.loved_at is not None and t.played_at is None
    assert m.total == 7790


def _loved_page1(m: TrackPage) -> None:
    assert m.page == 1 and m.total_pages == 2 and len(m.tracks) > 1
    assert all(t.mbid is None or len(t.mbid) == 36 for t in m.tracks)  # the malformed mbid is dropped


def _loved_page2(m: TrackPage) -> None:
    assert m.page == 2 and any(not t.name.isascii() or not t.artist.isascii() for t in m.tracks)


def _recent_empty(m: TrackPage) -> None:
    assert m.tracks == [] and m.user == "RT" and m.total == 0  # no "track" key, attributes inline


def _recent_single(m: TrackPage) -> None:
    assert len(m.tracks) == 1 and m.tracks[0].artist == "Rick James"  # an object, not a list
    assert m.tracks[0].album == "The Definitive Collection" and m.tracks[0].played_at is not None


def _recent_ext_single(m: TrackPage) -> None:
    assert len(m.tracks) == 1 and m.tracks[0].artist == "Republika" and m.tracks[0].loved is True
    assert m.total is None  # no @attr block at all


def _recent_multiple(m: TrackPage) -> None:
    assert len(m.tracks) > 2 and m.now_playing is None and all(t.played_at for t in m.tracks)
    assert m.tracks[0].artist == "Santana" and m.tracks[0].album == "Santana (III)"


def _now_playing(artist: str, name: str) -> Check:
    def check(m: TrackPage) -> None:
        np = m.now_playing
        assert np is not None and (np.artist, np.name) == (artist, name) and np.played_at is None
        assert sum(t.now_playing for t in m.tracks) == 1 and all(t.played_at for t in m.tracks[1:])

    return check


def _not_playing(m: TrackPage) -> None:
    assert m.now_playing is None and len(m.tracks) == 1 and m.total == 94618


def _user_top(m: TrackPage) -> None:
    assert m.tracks[0].duration_s == 205 and m.tracks[0].playcount == 440 and m.tracks[0].rank == 1  # seconds


EXPECTED: dict[str, Expect] = {
    "album.getInfo.iflastfm.json": ok("album.getInfo", AlbumInfo, _album_iflastfm),
    "album.getInfo.lfmdocs.json": ok("album.getInfo", AlbumInfo, _album_lfmdocs),
    "album.getInfo.navidrome-cher.json": ok("album.getInfo", AlbumInfo, _album_cher),
    "album.getInfo.navidrome-tags-empty-string.json": ok("album.getInfo", AlbumInfo, _album_tags_empty),
    "artist.getInfo.lfmdocs-with-username.json": ok("artist.getInfo", ArtistInfo, _artist_weeknd),
    "artist.getInfo.navidrome-u2.json": ok("artist.getInfo", ArtistInfo, _artist_u2),
    "artist.getSimilar.lastfmswift.json": ok("artist.getSimilar", SimilarArtists, _similar_artists_qotsa),
    "artist.getSimilar.navidrome-u2.json": ok("artist.getSimilar", SimilarArtists, _similar_artists_u2),
    "artist.getSimilar.navidrome-unknown-empty.json": ok("artist.getSimilar", SimilarArtists, _empty_similar_artists),
    "artist.getTopTracks.lfmdocs.json": ok("artist.getTopTracks", TrackPage, _top_cornell),
    "artist.getTopTracks.navidrome-u2.json": ok("artist.getTopTracks", TrackPage, _top_u2),
    "artist.getTopTracks.navidrome-unknown-artist.json": ok("artist.getTopTracks", TrackPage, _top_unknown),
    # The client does not do the auth flow: reading a token response is not something it supports.
    "auth.getToken.lfmdocs.json": err("auth.getToken", LastfmProtocolError, None),
    "chart.getTopTracks.lfmdocs.json": ok("chart.getTopTracks", TrackPage, _chart),
    "error.10.lastfmswift-invalid-api-key.json": err("track.getInfo", LastfmConfigError, 10, 403),
    "error.17.lfmdocs-recent-listening-hidden.json": err("user.getRecentTracks", LastfmPrivateProfile, 17, 403),
    "error.17.listenbrainz-private-user.json": err("user.getLovedTracks", LastfmPrivateProfile, 17, 403),
    "error.29.descent-issue203.json": err("track.search", LastfmRateLimited, 29, 429),
    "error.3.navidrome-invalid-method.json": err("artist.getInfo", LastfmProtocolError, 3, 400),
    "error.6.iflastfm-album-not-found.json": err("album.getInfo", LastfmNotFound, 6, 200, artist="A", album="B"),
    "error.6.iflastfm-album-toptags-missing-params.json": err("album.getInfo", LastfmInvalidRequest, 6, 400),
    "error.6.iflastfm-missing-user-param.json": err("user.getRecentTracks", LastfmInvalidRequest, 6, 400),
    "error.6.iflastfm-no-user-with-that-name.json": err("user.getRecentTracks", LastfmNotFound, 6, 404, user="x"),
    "error.6.lastfmswift-country-param-required.json": err("chart.getTopTracks", LastfmInvalidRequest, 6, 400),
    "error.6.lastfmswift-page-out-of-bounds.json": err("user.getTopTracks", LastfmInvalidRequest, 6, 400),
    "error.6.lfmdocs-album-not-found.json": err("album.getInfo", LastfmNotFound, 6, 200, artist="A", album="B"),
    "error.6.lfmdocs-artist-not-found.json": err("artist.getInfo", LastfmNotFound, 6, 404, artist="Nobody"),
    "error.6.lfmdocs-user-not-found.json": err("user.getRecentTracks", LastfmNotFound, 6, 404, user="nobody"),
    "error.6.navidrome-artist-not-found.json": err("artist.getTopTracks", LastfmNotFound, 6, 404, artist="Nobody"),
    "error.9.lastfmswift-invalid-session-key.json": err("user.getInfo", LastfmAuthError, 9, 403),
    "tag.getInfo.lfmdocs-unknown-tag.json": ok("tag.getInfo", TagInfo, _tag_info_unknown),
    "tag.getInfo.lfmdocs.json": ok("tag.getInfo", TagInfo, _tag_info_metal),
    "tag.getTopTracks.lfmdocs-unknown-tag-empty.json": ok("tag.getTopTracks", TrackPage, _tag_top_empty),
    "track.getInfo.lfmdocs-no-username.json": ok("track.getInfo", TrackInfo, _track_info_no_user),
    "track.getInfo.lfmdocs-unknown-track-stub.json": ok("track.getInfo", TrackInfo, _track_stub),
    "track.getInfo.lfmdocs-with-username.json": ok("track.getInfo", TrackInfo, _track_info_user),
    "track.getSimilar.lfmdocs-unknown-empty.json": ok("track.getSimilar", SimilarTracks, _similar_tracks_empty),
    "track.getSimilar.navidrome-trimmed.json": ok("track.getSimilar", SimilarTracks, _similar_tracks),
    "track.search.lfmdocs-no-results.json": ok("track.search", TrackPage, _search_none),
    "track.search.mocket-2013.json": ok("track.search", TrackPage, _search_2013),
    "user.getInfo.lfmdocs.json": ok("user.getInfo", UserInfo, _user_lfmdocs),
    "user.getInfo.listenbrainz.json": ok("user.getInfo", UserInfo, _user_listenbrainz),
    "user.getLovedTracks.lfmdocs.json": ok("user.getLovedTracks", TrackPage, _loved_lfmdocs),
    "user.getLovedTracks.listenbrainz-page1.json": ok("user.getLovedTracks", TrackPage, _loved_page1),
    "user.getLovedTracks.listenbrainz-page2.json": ok("user.getLovedTracks", TrackPage, _loved_page2),
    "user.getRecentTracks.iflastfm-empty.json": ok("user.getRecentTracks", TrackPage, _recent_empty),
    "user.getRecentTracks.iflastfm-extended-single-object.json": ok(
        "user.getRecentTracks", TrackPage, _recent_ext_single
    ),
    "user.getRecentTracks.iflastfm-multiple.json": ok("user.getRecentTracks", TrackPage, _recent_multiple),
    "user.getRecentTracks.iflastfm-single-object.json": ok("user.getRecentTracks", TrackPage, _recent_single),
    "user.getRecentTracks.lastfmswift-extended-nowplaying.json": ok(
        "user.getRecentTracks", TrackPage, _now_playing("Mew", "Symmetry")
    ),
    "user.getRecentTracks.lastfmswift-nowplaying.json": ok(
        "user.getRecentTracks", TrackPage, _now_playing("The Killers", "Smile Like You Mean It")
    ),
    "user.getRecentTracks.lfmdocs-not-playing.json": ok("user.getRecentTracks", TrackPage, _not_playing),
    "user.getRecentTracks.lfmdocs-nowplaying-extended.json": ok(
        "user.getRecentTracks", TrackPage, _now_playing("Tame Impala", "Apocalypse Dreams")
    ),
    "user.getTopTracks.lfmdocs.json": ok("user.getTopTracks", TrackPage, _user_top),
}

FILES = sorted(p.name for p in FIXTURES_DIR.glob("*.json"))


def test_every_fixture_is_classified() -> None:
    assert FILES, f"no fixtures found in {FIXTURES_DIR}"
    unclassified = sorted(set(FILES) - set(EXPECTED))
    assert not unclassified, f"classify these fixture files in EXPECTED: {unclassified}"
    stale = sorted(set(EXPECTED) - set(FILES))
    assert not stale, f"EXPECTED names files that no longer exist: {stale}"


def _load(name: str) -> Any:
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))


def _assert_error(e: BaseException, exp: Expect) -> None:
    assert exp.error is not None and isinstance(e, exp.error), f"{type(e).__name__} is not {exp.error}"
    assert getattr(e, "code", None) == exp.code
    user_message = getattr(e, "user_message", "")
    assert user_message and "Traceback" not in user_message
    if isinstance(e, NotFound) and exp.params:
        # the message names what was not found
        assert any(v in user_message for v in exp.params.values()), user_message


@pytest.mark.parametrize("name", FILES)
def test_fixture_parses(name: str) -> None:
    exp = EXPECTED[name]
    payload = _load(name)
    if exp.error is not None:
        with pytest.raises(SharifyError) as info:
            parse(exp.method, payload, params=exp.params)
        _assert_error(info.value, exp)
        return
    model = parse(exp.method, payload)
    assert type(model) is exp.model
    assert exp.check is not None
    exp.check(model)
    # normalized values survive the persistent cache's JSON round trip
    assert type(model).model_validate(json.loads(model.model_dump_json())) == model


def test_error_classes_map_to_domain_errors() -> None:
    assert issubclass(LastfmNotFound, NotFound) and issubclass(LastfmPrivateProfile, Forbidden)
    assert issubclass(LastfmInvalidRequest, InvalidInput) and issubclass(LastfmRateLimited, UpstreamUnavailable)
    assert issubclass(LastfmConfigError, UpstreamUnavailable) and not LastfmConfigError.transient


@pytest.mark.parametrize("name", [n for n in FILES if EXPECTED[n].http_status is not None])
def test_standin_sends_lastfms_status_for_error_bodies(name: str) -> None:
    body = _load(name)
    assert status_for_error(body["error"], body["message"]) == EXPECTED[name].http_status


@pytest.mark.parametrize("name", FILES)
async def test_fixture_over_http(name: str, fixture_standin: LastfmStandin, session: aiohttp.ClientSession) -> None:
    """The same file served by the stand-in (with Last.fm's status) gives the same answer through the client."""
    exp = EXPECTED[name]
    fixture_standin.fixtures.route(exp.method, name)  # type: ignore[union-attr]
    client = LastfmClient(
        session,
        api_key=SecretStr(API_KEY),
        base_url=fixture_standin.url,
        retry=RetryPolicy(total_budget_s=0.0),  # no retries: classify the first answer
    )
    if exp.error is not None:
        with pytest.raises(SharifyError) as info:
            await client.call(exp.method, exp.params)
        _assert_error(info.value, exp)
    else:
        result = await client.call(exp.method, exp.params)
        assert result.value == parse(exp.method, _load(name))
    assert fixture_standin.count(exp.method) == 1
