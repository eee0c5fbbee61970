"""Normalized Last.fm results: lists are lists, numbers are numbers, durations are seconds, blanks are None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.models import Track
from bot.lastfm.normalize import pick_image


class LastfmModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class TrackItem(LastfmModel):
    """A track in any list (search, similar, top, chart, recent, loved, album tracklist)."""

    name: str
    artist: str
    artist_mbid: str | None = None
    artist_url: str | None = None
    album: str | None = None
    album_mbid: str | None = None
    mbid: str | None = None
    url: str | None = None
    duration_s: int | None = None
    playcount: int | None = None
    listeners: int | None = None
    match: float | None = None
    rank: int | None = None
    images: dict[str, str] = Field(default_factory=dict)
    now_playing: bool = False
    played_at: datetime | None = None
    loved_at: datetime | None = None
    loved: bool | None = None

    @property
    def image_url(self) -> str | None:
        return pick_image(self.images)


class TrackPage(LastfmModel):
    """One page of tracks with its paging attributes (None when the response has none)."""

    tracks: list[TrackItem] = Field(default_factory=list)
    page: int | None = None
    per_page: int | None = None
    total_pages: int | None = None
    total: int | None = None
    user: str | None = None
    query: str | None = None

    @property
    def now_playing(self) -> TrackItem | None:
        return next((t for t in self.tracks if t.now_playing), None)


class TrackInfo(LastfmModel):
    name: str
    artist: str
    artist_mbid: str | None = None
    artist_url: str | None = None
    mbid: str | None = None
    url: str | None = None
    duration_s: int | None = None
    listeners: int | None = None
    playcount: int | None = None
    album: str | None = None
    album_mbid: str | None = None
    album_url: str | None = None
    album_position: int | None = None
    images: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    user_playcount: int | None = None
    user_loved: bool | None = None
    summary: str | None = None

    @property
    def image_url(self) -> str | None:
        return pick_image(self.images)


class SimilarTracks(LastfmModel):
    artist: str | None = None
    track: str | None = None
    tracks: list[TrackItem] = Field(default_factory=list)


class ArtistItem(LastfmModel):
    name: str
    mbid: str | None = None
    url: str | None = None
    match: float | None = None
    listeners: int | None = None
    images: dict[str, str] = Field(default_factory=dict)


class SimilarArtists(LastfmModel):
    artist: str | None = None
    artists: list[ArtistItem] = Field(default_factory=list)


class ArtistInfo(LastfmModel):
    name: str
    mbid: str | None = None
    url: str | None = None
    listeners: int | None = None
    playcount: int | None = None
    user_playcount: int | None = None
    on_tour: bool = False
    tags: list[str] = Field(default_factory=list)
    similar: list[ArtistItem] = Field(default_factory=list)
    summary: str | None = None
    images: dict[str, str] = Field(default_factory=dict)


class AlbumInfo(LastfmModel):
    name: str
    artist: str
    mbid: str | None = None
    url: str | None = None
    listeners: int | None = None
    playcount: int | None = None
    user_playcount: int | None = None
    tags: list[str] = Field(default_factory=list)
    tracks: list[TrackItem] = Field(default_factory=list)
    images: dict[str, str] = Field(default_factory=dict)


class TagInfo(LastfmModel):
    name: str
    total: int | None = None
    reach: int | None = None
    summary: str | None = None


class TagItem(LastfmModel):
    """A tag in a ranking: `count` is its weight (artist.getTopTags: 0-100; tag.getTopTags: taggings)."""

    name: str
    url: str | None = None
    count: int | None = None
    reach: int | None = None


class TagPage(LastfmModel):
    """artist.getTopTags, tag.getTopTags or chart.getTopTags: tags with the paging the method gives."""

    tags: list[TagItem] = Field(default_factory=list)
    page: int | None = None
    per_page: int | None = None
    total_pages: int | None = None
    total: int | None = None
    artist: str | None = None


class UserInfo(LastfmModel):
    name: str
    realname: str | None = None
    url: str | None = None
    country: str | None = None
    playcount: int | None = None
    registered_at: datetime | None = None
    subscriber: bool = False
    type: str | None = None
    images: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result[T]:
    """A Last.fm answer. `stale` means Last.fm was failing and this is an older cached value."""

    value: T
    stale: bool = False
    from_cache: bool = False
    fetched_at: datetime | None = None


def to_track(item: TrackItem | TrackInfo) -> Track:
    """The domain Track a playlist entry points at."""
    return Track(
        artist=item.artist,
        title=item.name,
        album=item.album,
        duration_s=item.duration_s,
        mbid=item.mbid,
        url=item.url,
    )
