"""Extended M3U (UTF-8): #EXTM3U, #PLAYLIST:name, per entry #EXTINF:<seconds or -1>,Artist - Title, #EXTALB:,
#EXTART:, then the Last.fm page (or a Last.fm search) as the entry line. Every value is folded to one line, so no
value can start a directive of its own.

Reading takes what players write too: foobar2000 and VLC (#EXTINF then a file path, a file:// URL or a stream URL,
with #EXTVLCOPT and other comments in between), and plain M3U (paths only): without #EXTINF the track is taken from
a Last.fm address or from the file name ("01 - Artist - Title.mp3")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from bot.domain.formats.common import Counter, lastfm_track, lastfm_url
from bot.domain.formats.model import ExportTrack, Format, ImportedEntry, PlaylistFile, Skipped
from bot.domain.formats.text import fold, fold_or_none, numbered_lines, split_artist_title
from bot.domain.links import track_page
from bot.domain.models import Track

_EXTINF = re.compile(r"""^#EXTINF:\s*(-?\d+(?:\.\d+)?)?((?:[^,"]|"[^"]*")*),(.*)$""", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_TRACK_NUMBER = re.compile(r"^\s*\d{1,3}(?:\s*[-.)]\s*|\s+)")
AUDIO_EXTENSIONS = frozenset(
    {"mp3", "flac", "m4a", "aac", "ogg", "oga", "opus", "wav", "wma", "aiff", "aif", "alac", "ape", "wv", "mpc"}
    | {"mp4", "m4b", "webm", "mka", "dsf", "dff"}
)


def write(name: str, tracks: Sequence[ExportTrack]) -> bytes:
    out = ["#EXTM3U"]
    if fold(name):
        out.append(f"#PLAYLIST:{fold(name)}")
    for entry in tracks:
        t = entry.track
        artist, title = fold(t.artist), fold(t.title)
        seconds = t.duration_s if t.duration_s is not None else -1
        out.append(f"#EXTINF:{seconds},{artist} - {title}")
        if t.album and fold(t.album):
            out.append(f"#EXTALB:{fold(t.album)}")
        out.append(f"#EXTART:{artist}")
        out.append(fold(track_page(t)))
    return ("\n".join(out) + "\n").encode("utf-8")


def looks_like_location(line: str) -> bool:
    """A URL, or a path to an audio file: what a plain M3U holds."""
    text = line.strip()
    if _SCHEME.match(text):
        return True
    return "." in text and text.rsplit(".", 1)[1].lower() in AUDIO_EXTENSIONS


def _from_location(location: str) -> tuple[str, str] | None:
    from_lastfm = lastfm_track(location)
    if from_lastfm:
        return from_lastfm
    path = unquote(urlsplit(location).path) if _SCHEME.match(location) else location
    stem = re.split(r"[\\/]", path.rstrip("\\/"))[-1]
    if "." in stem and stem.rsplit(".", 1)[1].lower() in AUDIO_EXTENSIONS:
        stem = stem.rsplit(".", 1)[0]
    return split_artist_title(_TRACK_NUMBER.sub("", stem, count=1))


class _Pending:
    def __init__(self) -> None:
        self.line: int | None = None
        self.seconds: int | None = None
        self.display: str | None = None
        self.album: str | None = None
        self.artist: str | None = None


def _entry(pending: _Pending, location: str, line: int) -> ImportedEntry | Skipped:
    at = pending.line or line
    artist, title = pending.artist, None
    if pending.display:
        if artist and pending.display.startswith(f"{artist} - "):
            title = fold(pending.display[len(artist) + 3 :])
        else:
            split = split_artist_title(pending.display)
            if split:
                artist, title = artist or split[0], split[1]
            elif artist:
                title = pending.display
    if not title or not artist:
        found = _from_location(location)
        if found:
            artist, title = artist or found[0], title or found[1]
    if not title or not artist:
        return Skipped(line=at, reason="no artist and title in #EXTINF or the entry's name")
    track = Track(artist=artist, title=title, album=pending.album, duration_s=pending.seconds, url=lastfm_url(location))
    return ImportedEntry(track=track, line=at)


def read(text: str, *, max_tracks: int) -> PlaylistFile:
    counter = Counter(max_tracks)
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    name: str | None = None
    pending = _Pending()
    for number, raw in numbered_lines(text):
        line = raw.strip()
        if not line:
            continue
        upper = line[:10].upper()
        if not line.startswith("#"):
            counter.add(number)
            item = _entry(pending, line, number)
            if isinstance(item, Skipped):
                skipped.append(item)
            else:
                entries.append(item)
            pending = _Pending()
        elif upper.startswith("#EXTINF:"):
            match = _EXTINF.match(line)
            pending.line = number
            if match:
                seconds = float(match.group(1)) if match.group(1) else -1.0
                pending.seconds = round(seconds) if seconds >= 0 else None
                pending.display = fold_or_none(match.group(3))
        elif upper.startswith("#EXTALB:"):
            pending.album = fold_or_none(line[8:])
        elif upper.startswith("#EXTART:"):
            pending.artist = fold_or_none(line[8:])
        elif upper.startswith("#PLAYLIST:") and name is None:
            name = fold_or_none(line[10:])
    return PlaylistFile(name=name, format=Format.M3U8, entries=tuple(entries), skipped=tuple(skipped))
