"""What the playlist service takes and gives besides domain models: its limits, a page, an add's result, and the
source of tracks it is given (re-exported by `services.playlists`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain.models import Entry, Playlist
from bot.domain.services.music import Playing, Resolved

PAGE_SIZE = 10


@dataclass(frozen=True)
class Limits:
    max_tracks: int = 10_000
    max_playlists: int = 200
    trash_days: int = 30


@dataclass(frozen=True)
class PlaylistPage:
    playlist: Playlist
    entries: list[tuple[int, Entry]]  # (1-based position, entry)
    page: int  # 1-based
    pages: int
    total: int
    total_duration_s: int
    unknown_durations: int
    contributors: list[tuple[int, int]]  # (user id, tracks added), most first


class TrackSource(Protocol):
    """Where tracks come from (Last.fm through the music service)."""

    async def resolve(self, typed: str) -> Resolved: ...

    async def playing(self, user_id: int) -> Playing: ...


@dataclass(frozen=True)
class Added:
    playlist: Playlist
    entries: list[Entry]
    source: Resolved | Playing  # what the track was found as
    already: tuple[int, Entry] | None = None  # not added: this track is already at that position
