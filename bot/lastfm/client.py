"""The Last.fm client: typed lookups with caching, stale-on-error, coalescing and a shared request discipline.

One instance per process, over the process's one aiohttp ClientSession. Every lookup returns a `Result[T]`:
`.value` is the normalized model; `.stale` is True when Last.fm was failing and an older cached value is served.
"""

from __future__ import annotations

import logging
import random
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Literal, cast

import aiohttp
from pydantic import SecretStr

from bot.domain.clock import Clock, SystemClock
from bot.domain.ports.storage import CacheRepository
from bot.lastfm.cache import (
    DEFAULT_LIFETIMES,
    FALLBACK_LIFETIME,
    USER_SPECIFIC_FRESH,
    CacheEntry,
    Lifetime,
    MemoryCache,
    PersistentCache,
    request_key,
)
from bot.lastfm.errors import LastfmError, LastfmNotFound
from bot.lastfm.models import (
    AlbumInfo,
    ArtistInfo,
    LastfmModel,
    Result,
    SimilarArtists,
    SimilarTracks,
    TagInfo,
    TagPage,
    TrackInfo,
    TrackPage,
    UserInfo,
)
from bot.lastfm.parse import MODELS, parse
from bot.lastfm.throttle import ClockedLimiter, Coalescer
from bot.lastfm.transport import RetryPolicy, Transport
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)
NOT_FOUND_FOR = timedelta(hours=1)  # an unknown track, artist or user may appear on Last.fm later: not for long
MAX_NOT_FOUND = 5_000

Period = Literal["overall", "7day", "1month", "3month", "6month", "12month"]


def _flag(value: bool) -> str:
    return "1" if value else "0"


class LastfmClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: SecretStr,
        base_url: str,
        rate_per_second: float = 4.0,
        burst: int = 8,
        max_in_flight: int = 8,
        cache: CacheRepository | None = None,
        metrics: Metrics | None = None,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        lifetimes: Mapping[str, Lifetime] | None = None,
        memory_entries: int = 10_000,
        rng: random.Random | None = None,
        on_send: Callable[[str, Mapping[str, str]], None] | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.metrics = metrics
        self.lifetimes = {**DEFAULT_LIFETIMES, **(lifetimes or {})}
        self.memory = MemoryCache(memory_entries)
        self.persistent = PersistentCache(cache) if cache is not None else None
        self.missing: OrderedDict[str, tuple[datetime, LastfmNotFound]] = OrderedDict()  # key -> (until, answer)
        self.limiter = ClockedLimiter(rate_per_second, burst, self.clock)
        self.transport = Transport(
            session,
            api_key=api_key,
            base_url=base_url,
            clock=self.clock,
            limiter=self.limiter,
            max_in_flight=max_in_flight,
            policy=retry or RetryPolicy(),
            metrics=metrics,
            rng=rng,
            on_send=on_send,
        )
        self.coalescer: Coalescer[str, Result[LastfmModel]] = Coalescer()

    @property
    def http_calls(self) -> int:
        """HTTP requests sent by this client (each retry counts)."""
        return self.transport.http_calls

    # -- the lookups --------------------------------------------------------------------------------------

    async def track_search(
        self, track: str, *, artist: str | None = None, limit: int = 30, page: int = 1
    ) -> Result[TrackPage]:
        params = {"track": track, "limit": str(limit), "page": str(page)}
        if artist:
            params["artist"] = artist
        return await self._typed(TrackPage, "track.search", params)

    async def track_get_info(
        self, artist: str, track: str, *, username: str | None = None, autocorrect: bool = True
    ) -> Result[TrackInfo]:
        params = {"artist": artist, "track": track, "autocorrect": _flag(autocorrect)}
        if username:
            params["username"] = username
        return await self._typed(TrackInfo, "track.getInfo", params)

    async def track_get_similar(
        self, artist: str, track: str, *, limit: int = 50, autocorrect: bool = True
    ) -> Result[SimilarTracks]:
        params = {"artist": artist, "track": track, "limit": str(limit), "autocorrect": _flag(autocorrect)}
        return await self._typed(SimilarTracks, "track.getSimilar", params)

    async def artist_get_info(
        self, artist: str, *, username: str | None = None, autocorrect: bool = True
    ) -> Result[ArtistInfo]:
        params = {"artist": artist, "autocorrect": _flag(autocorrect)}
        if username:
            params["username"] = username
        return await self._typed(ArtistInfo, "artist.getInfo", params)

    async def artist_get_top_tracks(
        self, artist: str, *, limit: int = 50, page: int = 1, autocorrect: bool = True
    ) -> Result[TrackPage]:
        params = {"artist": artist, "limit": str(limit), "page": str(page), "autocorrect": _flag(autocorrect)}
        return await self._typed(TrackPage, "artist.getTopTracks", params)

    async def artist_get_similar(
        self, artist: str, *, limit: int = 30, autocorrect: bool = True
    ) -> Result[SimilarArtists]:
        params = {"artist": artist, "limit": str(limit), "autocorrect": _flag(autocorrect)}
        return await self._typed(SimilarArtists, "artist.getSimilar", params)

    async def album_get_info(
        self, artist: str, album: str, *, username: str | None = None, autocorrect: bool = True
    ) -> Result[AlbumInfo]:
        params = {"artist": artist, "album": album, "autocorrect": _flag(autocorrect)}
        if username:
            params["username"] = username
        return await self._typed(AlbumInfo, "album.getInfo", params)

    async def artist_get_top_tags(self, artist: str, *, autocorrect: bool = True) -> Result[TagPage]:
        params = {"artist": artist, "autocorrect": _flag(autocorrect)}
        return await self._typed(TagPage, "artist.getTopTags", params)

    async def tag_get_top_tags(self) -> Result[TagPage]:
        """The most used tags overall (about 50; Last.fm takes no paging here)."""
        return await self._typed(TagPage, "tag.getTopTags", {})

    async def chart_get_top_tags(self, *, limit: int = 50, page: int = 1) -> Result[TagPage]:
        return await self._typed(TagPage, "chart.getTopTags", {"limit": str(limit), "page": str(page)})

    async def tag_get_info(self, tag: str) -> Result[TagInfo]:
        return await self._typed(TagInfo, "tag.getInfo", {"tag": tag})

    async def tag_get_top_tracks(self, tag: str, *, limit: int = 50, page: int = 1) -> Result[TrackPage]:
        return await self._typed(TrackPage, "tag.getTopTracks", {"tag": tag, "limit": str(limit), "page": str(page)})

    async def chart_get_top_tracks(self, *, limit: int = 50, page: int = 1) -> Result[TrackPage]:
        return await self._typed(TrackPage, "chart.getTopTracks", {"limit": str(limit), "page": str(page)})

    async def user_get_info(self, user: str) -> Result[UserInfo]:
        return await self._typed(UserInfo, "user.getInfo", {"user": user})

    async def user_get_recent_tracks(
        self, user: str, *, limit: int = 50, page: int = 1, extended: bool = True
    ) -> Result[TrackPage]:
        params = {"user": user, "limit": str(limit), "page": str(page), "extended": _flag(extended)}
        return await self._typed(TrackPage, "user.getRecentTracks", params)

    async def user_get_top_tracks(
        self, user: str, *, period: Period = "overall", limit: int = 50, page: int = 1
    ) -> Result[TrackPage]:
        params = {"user": user, "period": period, "limit": str(limit), "page": str(page)}
        return await self._typed(TrackPage, "user.getTopTracks", params)

    async def user_get_loved_tracks(self, user: str, *, limit: int = 50, page: int = 1) -> Result[TrackPage]:
        return await self._typed(
            TrackPage, "user.getLovedTracks", {"user": user, "limit": str(limit), "page": str(page)}
        )

    # -- the machinery ------------------------------------------------------------------------------------

    async def _typed[M: LastfmModel](self, model: type[M], method: str, params: dict[str, str]) -> Result[M]:
        result = await self.call(method, params)
        assert isinstance(result.value, model)
        return cast(Result[M], result)

    async def call(self, method: str, params: Mapping[str, str], *, refresh: bool = False) -> Result[LastfmModel]:
        """Any supported read method. Fresh cache -> no request; else one shared request per identical call.
        A "not found" answer is remembered for NOT_FOUND_FOR too, so an unknown track in a re-imported file or a
        repeated typo does not cost a request each time."""
        params = {k: str(v).strip() for k, v in params.items()}
        key = request_key(method, params)
        now = self.clock.now()
        missing = self.missing.get(key)
        if missing is not None and not refresh:
            if now < missing[0]:
                self._count_cache("not_found_hit")
                raise missing[1].with_traceback(None)
            del self.missing[key]
        entry = self.memory.get(key, now)
        if entry is not None and entry.is_fresh(now) and not refresh:
            self._count_cache("hit")
            return Result(entry.value, from_cache=True, fetched_at=entry.stored_at)
        before = self.coalescer.shared
        result = await self.coalescer.run(key, lambda: self._refresh(key, method, params, entry, refresh))
        if self.coalescer.shared != before:
            self._count_cache("coalesced")
        return result

    async def _refresh(
        self, key: str, method: str, params: dict[str, str], entry: CacheEntry | None, refresh: bool
    ) -> Result[LastfmModel]:
        now = self.clock.now()
        if entry is None and self.persistent is not None:
            entry = await self.persistent.get(key, MODELS[method], now)
            if entry is not None:
                self.memory.put(key, entry)
                if entry.is_fresh(now) and not refresh:
                    self._count_cache("persistent_hit")
                    return Result(entry.value, from_cache=True, fetched_at=entry.stored_at)
        self._count_cache("miss")
        try:
            payload = await self.transport.get(method, params)
            value = parse(method, payload, params=params)
        except LastfmError as e:
            if isinstance(e, LastfmNotFound):
                self._remember_missing(key, e)
            if e.transient and entry is not None:
                self._count_cache("stale")
                log.warning("Serving a stale Last.fm %s from %s: %s", method, entry.stored_at.isoformat(), e)
                return Result(entry.value, stale=True, from_cache=True, fetched_at=entry.stored_at)
            raise
        fetched = self.clock.now()
        fresh_entry = self._entry(method, params, value, fetched)
        self.memory.put(key, fresh_entry)
        if self.persistent is not None:
            await self.persistent.put(key, fresh_entry)
        return Result(value, fetched_at=fetched)

    def _entry(self, method: str, params: Mapping[str, str], value: LastfmModel, now: datetime) -> CacheEntry:
        life = self.lifetimes.get(method, FALLBACK_LIFETIME)
        fresh = min(life.fresh, USER_SPECIFIC_FRESH) if "username" in params else life.fresh
        return CacheEntry(value, now, now + fresh, now + fresh + life.stale)

    def _remember_missing(self, key: str, error: LastfmNotFound) -> None:
        self.missing[key] = (self.clock.now() + NOT_FOUND_FOR, error)
        self.missing.move_to_end(key)
        while len(self.missing) > MAX_NOT_FOUND:
            self.missing.popitem(last=False)

    def _count_cache(self, result: str) -> None:
        if self.metrics is not None:
            self.metrics.lastfm_cache.labels(result=result).inc()
