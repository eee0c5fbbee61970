"""Pure readers and writers of playlist files: XSPF, JSPF, M3U8, CSV and plain text.

`export(...)` turns a playlist into file bytes; `read(data, max_bytes=..., max_tracks=...)` detects the format from
the content (never the file name) and gives back a `PlaylistFile`, or raises a `PlaylistFileError` (an
`InvalidInput`) whose message names the problem and, where it can, the line. No I/O, no Discord, no storage."""

from __future__ import annotations

from bot.domain.formats.model import (
    MEDIA_TYPES,
    EmptyFile,
    ExportTrack,
    FileTooLarge,
    Format,
    ImportedEntry,
    MalformedFile,
    NotAPlaylist,
    PlaylistFile,
    PlaylistFileError,
    Skipped,
    TooManyTracks,
    UndecodableFile,
    UnsafeFile,
)
from bot.domain.formats.reader import detect, read
from bot.domain.formats.text import fold
from bot.domain.formats.writer import export

__all__ = [
    "MEDIA_TYPES",
    "EmptyFile",
    "ExportTrack",
    "FileTooLarge",
    "Format",
    "ImportedEntry",
    "MalformedFile",
    "NotAPlaylist",
    "PlaylistFile",
    "PlaylistFileError",
    "Skipped",
    "TooManyTracks",
    "UndecodableFile",
    "UnsafeFile",
    "detect",
    "export",
    "fold",
    "read",
]
