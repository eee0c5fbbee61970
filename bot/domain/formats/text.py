"""Text rules shared by every format: decoding, the one folding rule, and "Artist - Title" lines.

Folding rule (all formats, both directions): a track field is one line. Every line break (anything
`str.splitlines` breaks on: CRLF, LF, CR, VT, FF, FS, GS, RS, NEL, LS, PS) becomes one space, characters XML 1.0 can't
hold (other C0 controls, U+FFFE, U+FFFF, lone surrogates) are dropped, and the ends are trimmed. Writers write
`fold(value)`; readers give back `fold(value)`; so a round trip gives back `fold(original)`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

from bot.domain.formats.model import UndecodableFile

_LINE_END = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # as str.splitlines
_LINE_BREAKS = _LINE_END
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SEPARATOR = re.compile(r"\s+(?:-{1,2}|–|—)\s+")
_BY = re.compile(r"\s+by\s+", re.IGNORECASE)
_NUMBERING = re.compile(r"^\s*\d{1,5}\s*[.)]\s+")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def fold(value: str) -> str:
    """One line, XML-safe, trimmed (see the module's folding rule)."""
    return _NOT_XML.sub("", _LINE_BREAKS.sub(" ", value)).strip()


def fold_or_none(value: object) -> str | None:
    """`fold` for optional values read from a file: non-strings and blank text become None."""
    if not isinstance(value, str):
        return None
    return fold(value) or None


def decode(data: bytes) -> str:
    """Bytes to text. Rule: a byte-order mark decides (UTF-8, UTF-16, UTF-32); else valid UTF-8 is UTF-8; else
    Windows-1252; else Latin-1. Text without a BOM that holds NUL characters is refused (binary, or UTF-16 without
    its mark), and so is text that contradicts its own BOM."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise UndecodableFile(
                    f"The file starts with a {encoding.upper()} byte-order mark but isn't valid {encoding.upper()}."
                ) from exc
    text: str | None = None
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        text = data.decode("latin-1")
    if "\x00" in text:
        raise UndecodableFile(
            "The file contains NUL bytes: it is binary, or UTF-16 without a byte-order mark. Save it as UTF-8."
        )
    return text


def numbered_lines(text: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, line), the lines `str.splitlines` gives, found lazily: no list of every line."""
    start, number = 0, 0
    for end in _LINE_END.finditer(text):
        number += 1
        yield number, text[start : end.start()]
        start = end.end()
    if start < len(text):
        yield number + 1, text[start:]


def split_artist_title(line: str) -> tuple[str, str] | None:
    """ "Artist - Title" (also –, —, --), then "Title by Artist" (the last " by "), after an optional list number
    ("1. ", "01) "). The first dash splits, so titles may contain dashes. None when neither form matches."""
    text = fold(_NUMBERING.sub("", line, count=1))
    parts = _SEPARATOR.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return fold(parts[0]), fold(parts[1])
    by = list(_BY.finditer(text))
    if by:
        title, artist = text[: by[-1].start()], text[by[-1].end() :]
        if title.strip() and artist.strip():
            return fold(artist), fold(title)
    return None
