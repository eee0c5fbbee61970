"""The music catalog over Last.fm: `LastfmCatalog` implements the domain's `MusicCatalog` port with a
`LastfmClient`, turning Last.fm models into domain types and Last.fm errors into domain errors.

Last.fm quirks stop here: an unknown track's getInfo stub becomes NotFound, error 17 becomes PrivateProfile, and
every failure that is Last.fm's (down, rate limited, misconfigured, unreadable) becomes UpstreamUnavailable.
"""

from __future__ import annotations

from collections.abc import Awaitable

from bot.domain.catalog import (
    ArtistList,
    CatalogTrack,
    Listener,
    Listening,
    Period,
    PrivateProfile,
    SimilarArtist,
    TagCount,
    TagList,
    TrackFacts,
    TrackList,
)
from bot.domain.errors import Forbidden, InvalidInput, NotFound, UpstreamUnavailable
from bot.domain.text import quoted
from bot.lastfm.client import LastfmClient
from bot.lastfm.errors import (
    LastfmAuthError,
    LastfmError,
    LastfmInvalidRequest,
    LastfmNotFound,
    LastfmPrivateProfile,
)
from bot.lastfm.models import Result, TagPage, TrackInfo, TrackItem, TrackPage, to_track


class LastfmCatalog:
    """`MusicCatalog` over one LastfmClient (shared by the whole process)."""

    def __init__(self, client: LastfmClient) -> None:
        self.client = client

    # -- tracks ------------------------------------------------------------------------------------------

    async def search_tracks(
        self, query: str, *, artist: str | None = None, limit: int = 30, page: int = 1
    ) -> TrackList:
        found = await _ask(self.client.track_search(query, artist=artist, limit=limit, page=page))
        return track_list(found.value, stale=found.stale)

    async def track_info(self, artist: str, title: str, *, username: str | None = None) -> TrackFacts:
        info = await _ask(self.client.track_get_info(artist, title, username=username, autocorrect=True))
        if is_stub(info.value):
            raise NotFound(f"Last.fm couldn't find the track {quoted(title)} by {quoted(artist)}.")
        return track_facts(info.value, stale=info.stale)

    # -- listeners ---------------------------------------------------------------------------------------

    async def user_info(self, username: str) -> Listener:
        found = await _ask(self.client.user_get_info(username), username=username)
        u = found.value
        return Listener(
            username=u.name or username,
            url=u.url,
            playcount=u.playcount,
            registered_at=u.registered_at,
            stale=found.stale,
        )

    async def recent_tracks(self, username: str, *, limit: int = 50, page: int = 1) -> Listening:
        found = await _ask(self.client.user_get_recent_tracks(username, limit=limit, page=page), username=username)
        value = found.value
        tracks = tuple(catalog_track(t) for t in value.tracks)
        return Listening(
            username=value.user or username,
            tracks=tuple(t for t in tracks if not t.now_playing),
            now_playing=next((t for t in tracks if t.now_playing), None),
            total=value.total,
            stale=found.stale,
        )

    async def user_top_tracks(
        self, username: str, *, period: Period = Period.OVERALL, limit: int = 50, page: int = 1
    ) -> TrackList:
        work = self.client.user_get_top_tracks(username, period=Period(period).value, limit=limit, page=page)
        found = await _ask(work, username=username)
        return track_list(found.value, stale=found.stale)

    # -- mix sources -------------------------------------------------------------------------------------

    async def similar_tracks(self, artist: str, title: str, *, limit: int = 50) -> TrackList:
        found = await _ask(self.client.track_get_similar(artist, title, limit=limit))
        tracks = tuple(catalog_track(t) for t in found.value.tracks)
        return TrackList(tracks=tracks, page=1, total_pages=1, total=len(tracks), stale=found.stale)

    async def similar_artists(self, artist: str, *, limit: int = 30) -> ArtistList:
        found = await _ask(self.client.artist_get_similar(artist, limit=limit))
        artists = tuple(SimilarArtist(name=a.name, match=a.match, mbid=a.mbid, url=a.url) for a in found.value.artists)
        return ArtistList(artists=artists, stale=found.stale)

    async def artist_top_tracks(self, artist: str, *, limit: int = 50, page: int = 1) -> TrackList:
        found = await _ask(self.client.artist_get_top_tracks(artist, limit=limit, page=page))
        return track_list(found.value, stale=found.stale)

    async def artist_top_tags(self, artist: str) -> TagList:
        found = await _ask(self.client.artist_get_top_tags(artist))
        return tag_list(found.value, stale=found.stale)

    async def tag_top_tracks(self, tag: str, *, limit: int = 50, page: int = 1) -> TrackList:
        found = await _ask(self.client.tag_get_top_tracks(tag, limit=limit, page=page))
        return track_list(found.value, stale=found.stale)

    async def top_tags(self, *, limit: int = 50, page: int = 1) -> TagList:
        found = await _ask(self.client.chart_get_top_tags(limit=limit, page=page))
        return tag_list(found.value, stale=found.stale)


# -- translation ---------------------------------------------------------------------------------------------


async def _ask[T](work: Awaitable[Result[T]], *, username: str | None = None) -> Result[T]:
    """Await a client lookup; Last.fm's errors leave as the domain's, with the same friendly message."""
    try:
        return await work
    except LastfmPrivateProfile as e:
        raise PrivateProfile(username) from e
    except LastfmNotFound as e:
        raise NotFound(e.user_message) from e
    except LastfmInvalidRequest as e:
        raise InvalidInput(e.user_message) from e
    except LastfmAuthError as e:
        raise Forbidden(e.user_message) from e
    except LastfmError as e:  # unavailable, rate limited, misconfigured, unreadable
        raise UpstreamUnavailable(e.user_message) from e


def is_stub(info: TrackInfo) -> bool:
    """Last.fm answers an unknown track.getInfo with HTTP 200 and a stub: no duration, no album, no tags and a
    handful of listeners. A real track has at least one of those."""
    return not info.duration_s and not info.album and not info.tags and (info.listeners or 0) < 10


def catalog_track(item: TrackItem) -> CatalogTrack:
    return CatalogTrack(
        artist=item.artist,
        name=item.name,
        album=item.album,
        duration_s=item.duration_s,
        mbid=item.mbid,
        url=item.url,
        image_url=item.image_url,
        listeners=item.listeners,
        playcount=item.playcount,
        match=item.match,
        rank=item.rank,
        now_playing=item.now_playing,
        played_at=item.played_at,
    )


def track_list(page: TrackPage, *, stale: bool) -> TrackList:
    return TrackList(
        tracks=tuple(catalog_track(t) for t in page.tracks),
        page=page.page or 1,
        total_pages=page.total_pages,
        total=page.total,
        stale=stale,
    )


def track_facts(info: TrackInfo, *, stale: bool) -> TrackFacts:
    return TrackFacts(
        track=to_track(info),
        image_url=info.image_url,
        listeners=info.listeners,
        playcount=info.playcount,
        tags=tuple(info.tags),
        summary=info.summary,
        user_playcount=info.user_playcount,
        user_loved=info.user_loved,
        stale=stale,
    )


def tag_list(page: TagPage, *, stale: bool) -> TagList:
    return TagList(
        tags=tuple(TagCount(name=t.name, count=t.count, reach=t.reach) for t in page.tags),
        page=page.page or 1,
        total_pages=page.total_pages,
        stale=stale,
    )
