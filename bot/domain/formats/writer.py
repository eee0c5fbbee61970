"""One entry point for every writer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain.errors import InvalidInput
from bot.domain.formats import csvfile, jspf, m3u, plain, xspf
from bot.domain.formats.model import ExportTrack, Format


def export(
    playlist_name: str,
    description: str,
    tracks: Sequence[ExportTrack],
    fmt: Format | str,
    *,
    creator: str = "Sharify",
    date: datetime | None = None,
    with_links: bool = True,
) -> bytes:
    """The playlist as a file in `fmt`. `date` (when the playlist was made) goes into XSPF and JSPF.
    `with_links=False` leaves out XSPF's per-platform search links (about 800 bytes a track)."""
    try:
        kind = Format(fmt)
    except ValueError as exc:
        raise InvalidInput(f"Unknown playlist format {fmt!r}; use one of {', '.join(Format)}.") from exc
    match kind:
        case Format.XSPF:
            return xspf.write(playlist_name, description, tracks, creator=creator, date=date, with_links=with_links)
        case Format.JSPF:
            return jspf.write(playlist_name, description, tracks, creator=creator, date=date)
        case Format.M3U8:
            return m3u.write(playlist_name, tracks)
        case Format.CSV:
            return csvfile.write(tracks)
        case Format.TXT:
            return plain.write(tracks)
