"""What the playlist service takes and gives besides domain models: its limits, a page, an add's result, and the
source of tracks it is given (re-exported by `services.playlists`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain.models import Entry, Playlist, Track
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


def describe(track: Track) -> str:
    return f"{track.artist} - {track.title}"


def dump(entries: Sequence[Entry]) -> list[dict[str, object]]:
    return [e.model_dump(mode="json") for e in entries]


def position(typed: str) -> int | None:
    """A typed 1-based position, or None. str.isdigit() alone accepts "²", which int() rejects; and stores hold
    64-bit integers, so a larger position can't exist and would overflow them."""
    if not (typed.isascii() and typed.isdigit()):
        return None
    position = int(typed)
    return position if position < 2**62 else None
