"""Building blocks of Last.fm-shaped JSON: URLs, image lists, dates, paging and the API error."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from bot.sandbox.lastfm_standin.catalog import Artist, Track

BASE = "https://lastfm.standin.invalid"
IMG = "https://img.standin.invalid/i/u"
SIZES = (("small", "34s"), ("medium", "64s"), ("large", "174s"), ("extralarge", "300x300"))

Reply = tuple[int, dict[str, Any]]


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        self.code, self.message, self.status = code, message, status
        super().__init__(message)


def image_list(key: str) -> list[dict[str, str]]:
    return [{"#text": f"{IMG}/{px}/{key}.png", "size": size} for size, px in SIZES]


def artist_url(a: Artist) -> str:
    return f"{BASE}/music/{quote_plus(a.name)}"


def track_url(a: Artist, t: Track) -> str:
    return f"{artist_url(a)}/_/{quote_plus(t.name)}"


def artist_ref(a: Artist) -> dict[str, str]:
    return {"name": a.name, "mbid": a.mbid, "url": artist_url(a)}


def date(uts: int) -> dict[str, str]:
    return {"uts": str(uts), "#text": datetime.fromtimestamp(uts, UTC).strftime("%d %b %Y, %H:%M")}


def number(params: Mapping[str, str], name: str, default: int, high: int) -> int:
    raw = params.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ApiError(6, f"Invalid parameters - {name} must be a number") from None
    if not 1 <= value <= high:
        raise ApiError(6, f"{name} param out of bounds (1-{high})")
    return value


def need(params: Mapping[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not params.get(n, "").strip()]
    if missing:
        raise ApiError(6, f"Invalid parameters - Your request is missing the [{missing[0]}] parameter")
    return [params[n] for n in names]


def paged[T](items: list[T], params: Mapping[str, str], default_limit: int = 50) -> tuple[list[T], dict[str, str]]:
    limit = number(params, "limit", default_limit, 1000)
    page = number(params, "page", 1, 1_000_000)
    chunk = items[(page - 1) * limit : page * limit]
    total_pages = -(-len(items) // limit)
    return chunk, {"page": str(page), "perPage": str(limit), "totalPages": str(total_pages), "total": str(len(items))}


def autocorrect(params: Mapping[str, str]) -> bool:
    return params.get("autocorrect", "0") == "1"
