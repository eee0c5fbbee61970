"""Reading any playlist file: size check, decoding, detecting the format from the content, then one reader.

Order of checks: the byte limit first (before decoding anything), then emptiness, decoding (see `text.decode`;
an XML file without a BOM is decoded as its own declaration says), then the format: XML whose first tag is complete
-> XSPF; `{` -> JSPF; a first line `#EXTM3U` / `#EXTINF` -> M3U; a first line that is a CSV header naming a title
and an artist column -> CSV; a first entry that is a URL or an audio file path -> plain M3U; otherwise plain text.
Every reader stops as soon as there are more tracks than the limit."""

from __future__ import annotations

import codecs
import re

from bot.domain.formats import csvfile, jspf, m3u, plain, xspf
from bot.domain.formats.model import EmptyFile, FileTooLarge, Format, PlaylistFile, UndecodableFile
from bot.domain.formats.text import decode

_XML_START = re.compile(r"<(?:\?xml\b|!--|!DOCTYPE\b|[\w:.-]+(?:\s[^<>]*)?/?>)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_LINE = re.compile(r"[^\r\n]*")
_BOM_PREFIXES = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decode(data: bytes) -> str:
    declared = None if data.startswith(_BOM_PREFIXES) else _XML_ENCODING.match(data[:200])
    if declared is None:
        return decode(data)
    encoding = declared.group(1).decode("ascii")
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise UndecodableFile(f"The XML declares an unknown encoding, {encoding!r}.") from exc
    except UnicodeDecodeError as exc:
        raise UndecodableFile(f"The XML declares {encoding!r}, but its bytes are not {encoding!r}.") from exc


def _first_lines(text: str, *, skip_comments: bool) -> str:
    """The first non-blank line (and, with `skip_comments`, not starting with '#'), found without splitting the
    whole text."""
    position = 0
    while position < len(text):
        line = _LINE.match(text, position)
        assert line is not None  # the pattern matches the empty string
        value = line.group().strip()
        if value and not (skip_comments and value.startswith("#")):
            return value
        position = line.end() + 1
    return ""


def detect(text: str) -> Format:
    """The format of already decoded text, from its content only."""
    start = text.lstrip()
    if start.startswith("<") and _XML_START.match(start):
        return Format.XSPF
    if start.startswith("{"):
        return Format.JSPF
    first = _first_lines(text, skip_comments=False)
    if first[:7].upper() == "#EXTM3U" or first[:8].upper() == "#EXTINF:":
        return Format.M3U8
    if csvfile.sniff_header(first):
        return Format.CSV
    if m3u.looks_like_location(_first_lines(text, skip_comments=True)):
        return Format.M3U8
    return Format.TXT


def read(data: bytes, *, max_bytes: int, max_tracks: int) -> PlaylistFile:
    """The playlist in `data`. Raises a PlaylistFileError naming the problem (and the line, where known)."""
    if len(data) > max_bytes:
        raise FileTooLarge(f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if not data.strip():
        raise EmptyFile()
    text = _decode(data)
    if not text.strip():
        raise EmptyFile()
    match detect(text):
        case Format.XSPF:
            return xspf.read(text, max_tracks=max_tracks)
        case Format.JSPF:
            return jspf.read(text, max_tracks=max_tracks)
        case Format.M3U8:
            return m3u.read(text, max_tracks=max_tracks)
        case Format.CSV:
            return csvfile.read(text, max_tracks=max_tracks)
        case Format.TXT:
            return plain.read(text, max_tracks=max_tracks)
