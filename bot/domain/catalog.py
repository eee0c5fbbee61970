"""What the music catalog answers, in the domain's own words: tracks as lists show them, a track's facts, a
listener's recent plays, similar artists and tag rankings. Every answer says whether it is `stale` (the
catalog was failing and an older copy is served).

The catalog port (`bot.domain.ports.catalog`) returns these; an adapter (Last.fm) fills them in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.errors import Forbidden
from bot.domain.models import Frozen, Track


class Period(StrEnum):
    """A listener's charts over a period."""

    OVERALL = "overall"
    WEEK = "7day"
    MONTH = "1month"
    QUARTER = "3month"
    HALF_YEAR = "6month"
    YEAR = "12month"


class CatalogTrack(Frozen):
    """A track as a list shows it (search, similar, top, recent). `name` is its title."""

    artist: str
    name: str
    album: str | None = None
    duration_s: int | None = None
    mbid: str | None = None
    url: str | None = None
    image_url: str | None = None
    listeners: int | None = None
    playcount: int | None = None  # everyone's plays, or the listener's own in a listener's top tracks
    match: float | None = None  # similarity to the seed track, 0..1 (similar tracks only)
    rank: int | None = None
    now_playing: bool = False
    played_at: datetime | None = None

    @property
    def track(self) -> Track:
        """The Track a playlist entry points at."""
        return Track(
            artist=self.artist,
            title=self.name,
            album=self.album,
            duration_s=self.duration_s,
            mbid=self.mbid,
            url=self.url,
        )


class TrackList(Frozen):
    """One page of tracks. `total_pages` is None when the catalog does not say."""

    tracks: tuple[CatalogTrack, ...] = ()
    page: int = 1
    total_pages: int | None = None
    total: int | None = None
    stale: bool = False


class TrackFacts(Frozen):
    """Everything known about one track; `user_playcount` when asked for a listener."""

    track: Track
    image_url: str | None = None
    listeners: int | None = None
    playcount: int | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None  # may contain the catalog's own markup (a "read more" link)
    user_playcount: int | None = None
    user_loved: bool | None = None
    stale: bool = False


class Listening(Frozen):
    """A listener's most recent plays, newest first, and what they are playing right now."""

    username: str
    tracks: tuple[CatalogTrack, ...] = ()
    now_playing: CatalogTrack | None = None
    total: int | None = None
    stale: bool = False

    @property
    def latest(self) -> CatalogTrack | None:
        return self.now_playing or next(iter(self.tracks), None)


class Listener(Frozen):
    """A catalog account, as its owner spells it."""

    username: str
    url: str | None = None
    playcount: int | None = None
    registered_at: datetime | None = None
    stale: bool = False


class SimilarArtist(Frozen):
    name: str
    match: float | None = None  # 0..1
    mbid: str | None = None
    url: str | None = None


class ArtistList(Frozen):
    artists: tuple[SimilarArtist, ...] = ()
    stale: bool = False


class TagCount(Frozen):
    """A tag and its weight in a ranking (artist tags: 0-100 relative; charts: times used)."""

    name: str
    count: int | None = None
    reach: int | None = None


class TagList(Frozen):
    tags: tuple[TagCount, ...] = ()
    page: int = 1
    total_pages: int | None = None
    stale: bool = False


class PrivateProfile(Forbidden):
    """The listener's profile is private (or hides recent listening): their plays can't be read."""

    default_message = "That Last.fm profile is private (or hides its recent listening), so Sharify can't read it."

    def __init__(self, username: str | None = None, user_message: str | None = None) -> None:
        self.username = username
        if user_message is None and username:
            user_message = (
                f"{username}'s Last.fm profile is private (or hides its recent listening), so Sharify can't read it."
            )
        super().__init__(user_message)
