"""Two cache levels: an in-process LRU (models as is) and a persistent CacheRepository (JSON), with a
freshness lifetime per method and a longer stale window used only while Last.fm is failing."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from bot.domain.ports.storage import CacheRepository
from bot.lastfm.models import LastfmModel

log = logging.getLogger(__name__)

KEY_PREFIX = "lastfm:v1:"


@dataclass(frozen=True, slots=True)
class Lifetime:
    fresh: timedelta
    stale: timedelta  # kept this much longer, served only when Last.fm is failing


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

DEFAULT_LIFETIMES: dict[str, Lifetime] = {
    "track.search": Lifetime(10 * MINUTE, DAY),
    "track.getInfo": Lifetime(DAY, 7 * DAY),
    "track.getSimilar": Lifetime(DAY, 7 * DAY),
    "artist.getInfo": Lifetime(DAY, 7 * DAY),
    "artist.getTopTracks": Lifetime(DAY, 7 * DAY),
    "artist.getSimilar": Lifetime(DAY, 7 * DAY),
    "album.getInfo": Lifetime(DAY, 7 * DAY),
    "tag.getInfo": Lifetime(DAY, 7 * DAY),
    "tag.getTopTracks": Lifetime(DAY, 7 * DAY),
    "artist.getTopTags": Lifetime(DAY, 7 * DAY),
    "tag.getTopTags": Lifetime(DAY, 7 * DAY),
    "chart.getTopTags": Lifetime(6 * HOUR, 7 * DAY),
    "chart.getTopTracks": Lifetime(HOUR, DAY),
    "user.getInfo": Lifetime(HOUR, DAY),
    "user.getRecentTracks": Lifetime(timedelta(seconds=30), HOUR),
    "user.getTopTracks": Lifetime(3 * HOUR, 2 * DAY),  # a mix source: a user's charts move slowly
    "user.getLovedTracks": Lifetime(10 * MINUTE, DAY),
}
FALLBACK_LIFETIME = Lifetime(10 * MINUTE, DAY)
USER_SPECIFIC_FRESH = 10 * MINUTE  # a lookup with `username` carries that user's play count


def request_key(method: str, params: Mapping[str, str]) -> str:
    """Method plus sorted parameters (never the API key): the cache key and the coalescing key."""
    return KEY_PREFIX + method + "?" + urlencode(sorted(params.items()))


@dataclass(frozen=True, slots=True)
class CacheEntry:
    value: LastfmModel
    stored_at: datetime
    fresh_until: datetime
    expires_at: datetime

    def is_fresh(self, now: datetime) -> bool:
        return now < self.fresh_until


class MemoryCache:
    """A bounded LRU of parsed models."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, CacheEntry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: str, now: datetime) -> CacheEntry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if now >= entry.expires_at:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    def put(self, key: str, entry: CacheEntry) -> None:
        self._data[key] = entry
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()


class PersistentCache:
    """The CacheRepository seen through models. A failing store never fails a lookup: it is logged and skipped."""

    def __init__(self, repo: CacheRepository) -> None:
        self.repo = repo

    async def get(self, key: str, model: type[LastfmModel], now: datetime) -> CacheEntry | None:
        try:
            cached = await self.repo.get(key, now=now)
        except Exception:
            log.warning("Last.fm cache read failed for %s", key, exc_info=True)
            return None
        if cached is None:
            return None
        try:
            value = model.model_validate(cached.value)
        except ValueError:
            log.warning("Discarding unreadable cached Last.fm value for %s", key)
            return None
        return CacheEntry(value, cached.stored_at, cached.fresh_until, cached.expires_at)

    async def put(self, key: str, entry: CacheEntry) -> None:
        try:
            await self.repo.put(
                key,
                entry.value.model_dump(mode="json"),
                now=entry.stored_at,
                fresh_until=entry.fresh_until,
                expires_at=entry.expires_at,
            )
        except Exception:
            log.warning("Last.fm cache write failed for %s", key, exc_info=True)
