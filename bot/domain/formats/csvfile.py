"""CSV with Exportify-style columns, and a reader for the CSV files other services write.

Written: Track Name, Artist Name(s), Album Name, Duration (ms), Added By, Added At, Last.fm URL, MBID; UTF-8 with a
BOM (so spreadsheets pick the encoding), CRLF rows. A cell a spreadsheet would run as a formula (starting with
= + - @ tab or CR) is prefixed with a single quote, as OWASP recommends; so is a cell that already starts with a
quote followed by one of those, so the reader's un-quoting (drop one leading quote before = + - @ tab CR ') is exact.

Read: the header names the columns (Exportify, Soundiiz, TuneMyMusic and similar names, any case and punctuation),
the delimiter is the one of `,` `;` tab the header uses most. Rows are read one at a time."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from bot.domain.formats.common import Counter, added_at_text, added_label, lastfm_url, parse_datetime, seconds_from_ms
from bot.domain.formats.model import ExportTrack, Format, ImportedEntry, MalformedFile, PlaylistFile, Skipped
from bot.domain.formats.text import fold, fold_or_none
from bot.domain.models import Track

HEADER = ("Track Name", "Artist Name(s)", "Album Name", "Duration (ms)", "Added By", "Added At", "Last.fm URL", "MBID")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_COLUMNS = {
    "title": ("trackname", "title", "track", "song", "songname", "songtitle", "tracktitle", "name"),
    "artist": ("artistnames", "artistname", "artist", "artists", "creator", "performer", "artistsname"),
    "album": ("albumname", "album", "albumtitle", "release"),
    "duration_ms": ("durationms", "trackdurationms", "durationinms", "lengthms"),
    "duration": ("duration", "length", "time", "durations"),
    "added_by": ("addedby",),
    "added_at": ("addedat", "dateadded"),
    "url": ("lastfmurl", "lastfm"),
    "mbid": ("mbid", "musicbrainzid", "recordingmbid", "musicbrainzrecordingid"),
}
_CLOCK = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):(\d{2})$")


def neutralize(value: str) -> str:
    """The cell text a spreadsheet shows as text, never runs."""
    if value.startswith(_FORMULA_START) or (value[:1] == "'" and value[1:2] in (*_FORMULA_START, "'")):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The inverse of `neutralize`."""
    if value[:1] == "'" and value[1:2] in (*_FORMULA_START, "'"):
        return value[1:]
    return value


def write(tracks: Sequence[ExportTrack]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for entry in tracks:
        t = entry.track
        row = (
            fold(t.title),
            fold(t.artist),
            fold(t.album or ""),
            str(t.duration_s * 1000) if t.duration_s is not None else "",
            added_label(entry) or "",
            added_at_text(entry) or "",
            t.url or "",
            t.mbid or "",
        )
        writer.writerow([neutralize(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def _header_columns(cells: Sequence[str]) -> dict[str, int]:
    keys = [_key(restore(c)) for c in cells]
    found: dict[str, int] = {}
    for field, names in _COLUMNS.items():
        for name in names:  # the first matching name wins, in the order listed: "Track Name" before "Name"
            if name in keys:
                found[field] = keys.index(name)
                break
    return found


def sniff_header(first_line: str) -> tuple[str, dict[str, int]] | None:
    """(delimiter, columns) when `first_line` is a CSV header naming at least a title and an artist column."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        return None
    try:
        cells = next(csv.reader([first_line], delimiter=delimiter))
    except csv.Error:
        return None
    columns = _header_columns(cells)
    return (delimiter, columns) if "title" in columns and "artist" in columns else None


def _duration(row: Sequence[str], columns: dict[str, int]) -> int | None:
    if "duration_ms" in columns:
        return seconds_from_ms(_cell(row, columns, "duration_ms"))
    value = _cell(row, columns, "duration") or ""
    clock = _CLOCK.match(value)
    if clock:
        hours, minutes, seconds = (int(g) if g else 0 for g in clock.groups())
        return hours * 3600 + minutes * 60 + seconds
    if value.isdigit():  # plain numbers: seconds, unless too long for a track (then milliseconds)
        number = int(value)
        return number if number < 10_000 else round(number / 1000)
    return None


def _cell(row: Sequence[str], columns: dict[str, int], field: str) -> str | None:
    index = columns.get(field)
    if index is None or index >= len(row):
        return None
    return fold_or_none(restore(row[index]))


def read(text: str, *, max_tracks: int) -> PlaylistFile:
    body = text.lstrip("\r\n")
    first_line = re.split(r"\r\n|\r|\n", body, maxsplit=1)[0]
    sniffed = sniff_header(first_line)
    if sniffed is None:  # the caller checks first; kept so this reader is safe on its own
        raise MalformedFile("The CSV file has no header naming a title and an artist column.")
    delimiter, columns = sniffed
    offset = text.count("\n", 0, len(text) - len(body))
    reader = csv.reader(io.StringIO(body, newline=None), delimiter=delimiter, strict=True)
    counter = Counter(max_tracks)
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    try:
        next(reader)
        for row in reader:
            line = reader.line_num + offset
            if not any(cell.strip() for cell in row):
                continue
            counter.add(line)
            title, artist = _cell(row, columns, "title"), _cell(row, columns, "artist")
            if not title or not artist:
                skipped.append(Skipped(line=line, reason="the row has no title or no artist"))
                continue
            track = Track(
                artist=artist,
                title=title,
                album=_cell(row, columns, "album"),
                duration_s=_duration(row, columns),
                mbid=_cell(row, columns, "mbid"),
                url=lastfm_url(_cell(row, columns, "url")),
            )
            entries.append(
                ImportedEntry(
                    track=track,
                    line=line,
                    added_by=_cell(row, columns, "added_by"),
                    added_at=parse_datetime(_cell(row, columns, "added_at")),
                )
            )
    except csv.Error as exc:
        raise MalformedFile(f"The CSV is malformed: {exc}", line=reader.line_num + offset) from exc
    return PlaylistFile(format=Format.CSV, entries=tuple(entries), skipped=tuple(skipped))
