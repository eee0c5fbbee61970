"""Small pieces several formats share: MusicBrainz identifiers, dates, durations, Last.fm page addresses."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote_plus

from bot.domain.formats.model import ExportTrack, TooManyTracks
from bot.domain.formats.text import fold

RECORDING_PREFIX = "https://musicbrainz.org/recording/"
JSPF_TRACK_EXTENSION = "https://musicbrainz.org/doc/jspf#track"
_MBID = re.compile(r"musicbrainz\.org/recording/([0-9a-fA-F-]{36})\b")
_LASTFM_TRACK = re.compile(r"^https?://(?:www\.)?last\.fm/(?:[a-z]{2}/)?music/([^/?#]+)/[^/?#]+/([^/?#]+)/?$")


def mbid_identifier(mbid: str) -> str:
    return f"{RECORDING_PREFIX}{mbid}"


def mbid_from(identifier: str) -> str | None:
    match = _MBID.search(identifier)
    return match.group(1).lower() if match else None


def lastfm_track(url: str) -> tuple[str, str] | None:
    """(artist, title) when `url` is a Last.fm track page (https://www.last.fm/music/Artist/_/Title)."""
    match = _LASTFM_TRACK.match(url.strip())
    if not match:
        return None
    artist, title = fold(unquote_plus(match.group(1))), fold(unquote_plus(match.group(2)))
    return (artist, title) if artist and title else None


def lastfm_url(url: str | None) -> str | None:
    """`url` when it is a Last.fm track page; a search address or a file path is not kept as the track's url."""
    return url.strip() if url and lastfm_track(url) else None


def parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def seconds_from_ms(value: object) -> int | None:
    """Milliseconds (int, float or digits) to whole seconds, rounded; None for anything else or negative."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"\d{1,12}(?:\.\d+)?", value):
            return None
        value = float(value)
    if isinstance(value, int | float) and 0 <= value < 10**12:
        return round(value / 1000)
    return None


def added_label(entry: ExportTrack) -> str | None:
    return fold(entry.added_by) if entry.added_by else None


def added_at_text(entry: ExportTrack) -> str | None:
    return entry.added_at.isoformat() if entry.added_at else None


class Counter:
    """Counts tracks as a reader finds them and refuses the file as soon as there are more than the limit."""

    def __init__(self, max_tracks: int) -> None:
        self.max_tracks = max_tracks
        self.count = 0

    def add(self, line: int | None = None) -> None:
        self.count += 1
        if self.count > self.max_tracks:
            raise TooManyTracks(f"The file has more than {self.max_tracks} tracks", line=line)
