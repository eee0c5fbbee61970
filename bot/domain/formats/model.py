"""The exchange types of the format layer: what a writer is given and what a reader gives back."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.errors import InvalidInput
from bot.domain.models import Frozen, Track


class Format(StrEnum):
    XSPF = "xspf"
    JSPF = "jspf"
    M3U8 = "m3u8"
    CSV = "csv"
    TXT = "txt"


MEDIA_TYPES = {
    Format.XSPF: "application/xspf+xml",
    Format.JSPF: "application/json",
    Format.M3U8: "audio/x-mpegurl",
    Format.CSV: "text/csv",
    Format.TXT: "text/plain",
}


class ExportTrack(Frozen):
    """One playlist entry as it leaves Sharify: the track, who added it (a display label) and when."""

    track: Track
    added_by: str | None = None
    added_at: datetime | None = None


class ImportedEntry(Frozen):
    """One track as read from a file, with the line (text formats) or 1-based track index (XSPF, JSPF) it came from.
    `added_by` / `added_at` are given back when the file carries them (Sharify's own exports do)."""

    track: Track
    line: int
    added_by: str | None = None
    added_at: datetime | None = None


class Skipped(Frozen):
    """A line or track that was read but could not become a track, and why."""

    line: int
    reason: str


class PlaylistFile(Frozen):
    name: str | None = None
    description: str | None = None
    format: Format
    entries: tuple[ImportedEntry, ...] = ()
    skipped: tuple[Skipped, ...] = ()


class PlaylistFileError(InvalidInput):
    """A file that can't be read as a playlist. The message names the problem and, where known, the line."""

    default_message = "That file can't be read as a playlist."

    def __init__(self, user_message: str | None = None, *, line: int | None = None) -> None:
        self.line = line
        if user_message and line is not None:
            user_message = f"{user_message} (line {line})"
        super().__init__(user_message)


class EmptyFile(PlaylistFileError):
    default_message = "The file is empty."


class NotAPlaylist(PlaylistFileError):
    default_message = "The file doesn't look like a playlist (XSPF, JSPF, M3U, CSV or 'Artist - Title' lines)."


class FileTooLarge(PlaylistFileError):
    default_message = "The file is too large."


class TooManyTracks(PlaylistFileError):
    default_message = "The file has too many tracks."


class MalformedFile(PlaylistFileError):
    default_message = "The file is damaged and can't be read."


class UnsafeFile(MalformedFile):
    """XML that declares entities or points outside itself: refused before anything is expanded or fetched."""

    default_message = "The file uses XML entities or external references, which are not accepted."


class UndecodableFile(PlaylistFileError):
    default_message = "The file's text encoding can't be read; save it as UTF-8 and try again."
