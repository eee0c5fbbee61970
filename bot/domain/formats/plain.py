"""Plain text: one "Artist - Title" line per track.

Read: "Artist - Title" (also – — --), "Title by Artist", and numbered lists ("1. A - B", "01) A - B"). The first
dash splits, so a title may hold dashes but an artist can't; a line that starts with a list number loses it. Blank
lines are ignored; other lines that don't match are reported as skipped."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.formats.common import Counter
from bot.domain.formats.model import ExportTrack, Format, ImportedEntry, NotAPlaylist, PlaylistFile, Skipped
from bot.domain.formats.text import fold, numbered_lines, split_artist_title
from bot.domain.models import Track


def write(tracks: Sequence[ExportTrack]) -> bytes:
    return "".join(f"{fold(e.track.artist)} - {fold(e.track.title)}\n" for e in tracks).encode("utf-8")


def read(text: str, *, max_tracks: int) -> PlaylistFile:
    counter = Counter(max_tracks)
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        counter.add(number)
        split = split_artist_title(line)
        if split is None:
            skipped.append(Skipped(line=number, reason='not "Artist - Title" or "Title by Artist"'))
            continue
        entries.append(ImportedEntry(track=Track(artist=split[0], title=split[1]), line=number))
    if not entries:
        first = skipped[0].line if skipped else None
        raise NotAPlaylist(
            'No line looks like a track: write one "Artist - Title" per line, or upload XSPF, JSPF, M3U or CSV',
            line=first,
        )
    return PlaylistFile(format=Format.TXT, entries=tuple(entries), skipped=tuple(skipped))
