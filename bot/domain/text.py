"""Text rules shared by the domain: names, free-form tracks, and the normalized key used by dedupe."""

from __future__ import annotations

import re
import unicodedata

from bot.domain.errors import QUOTE_CLOSE, QUOTE_OPEN, InvalidInput
from bot.domain.models import Track

NAME_MAX = 100
DESCRIPTION_MAX = 300
FIELD_MAX = 200  # artist / title / album

_SPACES = re.compile(r"\s+")
_FEAT = re.compile(r"\s*[\(\[]?\b(?:feat\.?|ft\.?|featuring|with)\s+[^\)\]]*[\)\]]?", re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]")
_SEPARATOR = re.compile(r"\s+(?:-{1,2}|–|—)\s+")
# A version suffix that names the same song: "(Remastered 2011)", "- 2015 Remaster", "[Live]", "- Live at Wembley".
_VERSION = re.compile(
    r"\s*(?:[\(\[][^\(\)\[\]]*\b(?:remaster(?:ed)?|live)\b[^\(\)\[\]]*[\)\]]"
    r"|\s(?:-|–|—)\s[^-–—]*\b(?:remaster(?:ed)?|live)\b.*)\s*$",
    re.IGNORECASE,
)


def quoted(value: object) -> str:
    """`value` marked as user- or Last.fm-supplied inside a user message, so the renderer quotes it, escapes it once
    and clips it (any marker already in the value is removed first, so a value can't close its own quote)."""
    raw = str(value).replace(QUOTE_OPEN, "").replace(QUOTE_CLOSE, "")
    return f"{QUOTE_OPEN}{raw}{QUOTE_CLOSE}"


def plain(message: str) -> str:
    """A message with its marked values shown in plain quotes: for logs and anything that is not Discord."""
    return message.replace(QUOTE_OPEN, '"').replace(QUOTE_CLOSE, '"')


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in text)


def clean_line(text: str, *, what: str, max_len: int, allow_empty: bool = False) -> str:
    """Trimmed, whitespace-collapsed, NFC text; InvalidInput naming `what` when empty, too long or containing
    control characters."""
    if _has_control(text.replace("\n", " ").replace("\t", " ")):
        raise InvalidInput(f"The {what} contains control characters; please use plain text.")
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not cleaned and not allow_empty:
        raise InvalidInput(f"The {what} can't be empty.")
    if len(cleaned) > max_len:
        raise InvalidInput(f"The {what} is too long ({len(cleaned)} characters; at most {max_len}).")
    return cleaned


def playlist_name(text: str) -> tuple[str, str]:
    """(display name, name_key). The key is case-folded and compatibility-normalized: "Chill" == "chill "."""
    name = clean_line(text, what="playlist name", max_len=NAME_MAX)
    return name, name_key(name)


def name_key(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def description(text: str) -> str:
    return clean_line(text, what="description", max_len=DESCRIPTION_MAX, allow_empty=True)


def parse_track(text: str) -> Track:
    """ "Artist - Title" -> Track. The first separator splits, so titles may contain dashes."""
    raw = clean_line(text, what="track", max_len=2 * FIELD_MAX + 3)
    parts = _SEPARATOR.split(f" {raw} ", maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        return Track(
            artist=clean_line(parts[0], what="artist", max_len=FIELD_MAX),
            title=clean_line(parts[1], what="title", max_len=FIELD_MAX),
        )
    raise InvalidInput('Write the track as "Artist - Title", for example "Daft Punk - One More Time".')


def _norm_part(text: str, *, title: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # The version and credit patterns need these words: most names have none, so skip the costlier regexes.
    if title and ("remaster" in text or "live" in text):
        while (stripped := _VERSION.sub("", text)) != text and stripped.strip():
            text = stripped
    if "f" in text or "with" in text:  # feat. / ft. / featuring / with
        text = _FEAT.sub(" ", text)
    text = _PUNCT.sub(" ", text.replace("&", " and "))
    return _SPACES.sub(" ", text).strip()


def artist_key(artist: str) -> str:
    """The artist part of `track_key`: the same artist however it is spelled."""
    return _norm_part(artist)


def track_key(track: Track) -> str:
    """Normalized identity for dedupe: case, spacing, punctuation, "feat." credits and remaster/live version
    suffixes do not matter."""
    return f"{_norm_part(track.artist)}\x1f{_norm_part(track.title, title=True)}"
