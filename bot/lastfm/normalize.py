"""Lenient readers for Last.fm's XML-converted JSON (FACTS.md section 5).

Lists may arrive as one object or be missing, numbers as strings or numbers, text as `{"#text": ...}`,
mbids as "", durations as ms or s with 0 meaning unknown, images as a list keyed by size name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

IMAGE_PREFERENCE = ("extralarge", "large", "mega", "medium", "small")
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def as_list(value: Any) -> list[dict[str, Any]]:
    """Single object -> [object]; missing, "" or null -> []; non-object items dropped."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def obj(value: Any) -> dict[str, Any]:
    """A JSON object, or {} for anything else (e.g. `"tags": ""`)."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    """A string with `#text` / `name` unwrapped; blank -> None."""
    if type(value) is str:  # nearly every value: read first, without the general checks (lists parse hot)
        return value.strip() or None
    if isinstance(value, dict):
        value = value.get("#text", value.get("name", value.get("title")))
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        s = value.strip()
        return s or None
    return None


def to_float(value: Any) -> float | None:
    if type(value) is str:  # the usual form ("328"): straight to the conversion
        return _str_float(value)
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        f = float(value)
    elif isinstance(value, str):
        return _str_float(value)
    else:
        return None
    return f if math.isfinite(f) else None


def _str_float(value: str) -> float | None:
    try:
        f = float(value.strip().replace(",", ""))
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def to_int(value: Any) -> int | None:
    f = to_float(value)
    return None if f is None else int(f)


def flag(value: Any) -> bool:
    """ "1", "true", 1, True -> True; anything else False."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return False


def mbid(value: Any) -> str | None:
    """A MusicBrainz id; None when empty, missing or malformed (Last.fm serves e.g. "267aa996-a6a2-411b--...")."""
    s = text(value)
    s = s.lower() if s else None
    return s if s and _MBID.match(s) else None


def duration_s(value: Any, unit: Literal["ms", "s"]) -> int | None:
    """A duration in whole seconds; 0, negative or unreadable -> None (unknown)."""
    f = to_float(value)
    if f is None or f <= 0:
        return None
    seconds = f / 1000 if unit == "ms" else f
    return max(1, round(seconds))


def unix_time(value: Any) -> datetime | None:
    """`{"uts": "1419006075", ...}`, `{"unixtime": ...}` or a bare number -> aware UTC datetime."""
    if isinstance(value, dict):
        value = value.get("uts", value.get("unixtime", value.get("#text")))
    n = to_int(value)
    if n is None or n <= 0:
        return None
    return datetime.fromtimestamp(n, UTC)


def images(value: Any) -> dict[str, str]:
    """`[{"#text": url, "size": name}, ...]` -> {size: url}, dropping empty URLs and unnamed sizes."""
    out: dict[str, str] = {}
    for item in as_list(value):
        url = text(item.get("#text"))
        size = text(item.get("size"))
        if url and size:
            out[size] = url
    return out


def pick_image(by_size: dict[str, str], prefer: Iterable[str] = IMAGE_PREFERENCE) -> str | None:
    for size in prefer:
        if size in by_size:
            return by_size[size]
    return None


def tag_names(value: Any) -> list[str]:
    """`{"tag": [...]}`, `{"tag": {...}}`, `""` or missing -> list of names."""
    names = [text(t.get("name")) for t in as_list(obj(value).get("tag"))]
    return [n for n in names if n]


def attrs(container: dict[str, Any]) -> dict[str, Any]:
    """Paging attributes: in `@attr`, or inline on the container (old empty responses)."""
    a = obj(container.get("@attr"))
    return a or container
