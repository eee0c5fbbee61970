"""The share pages' in-memory cache: what a token's page looked like, for a few seconds.

Why a cache with a short lifetime rather than a version lookup per visit: a revalidation (If-None-Match) then
costs no store read at all, so a link posted in a busy chat costs one cheap version check (the share and playlist
rows, no tracks) per token per lifetime, not a read per visit, and the 304 path is a dictionary lookup; the full
load of the tracks and a new rendering (~30-50 ms of CPU per platform's page of 1,000 tracks, in the server's worker
process) happen only when the version moved. The
price is staleness bounded by the lifetime: a change made in another process (another shard's pod) shows within
`ttl_s`; in this process, turning a page off or changing what the server shows evicts at once (`evict_token`,
`evict_guild`), so a revoked link 404s immediately here. Display names come from the gateway's cache and are
refreshed with the next change. Misses for one token are loaded once (concurrent visitors wait for the same load),
each variant (a platform's page, its gzip form, a download) is made once, when first asked for, and the cache is
bounded both in pages and in bytes (the least recently used go first): a page of 1,000 tracks has up to 18 variants
of up to ~0.7 MB each, so a count alone would not keep a pod inside its memory limit.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.services.share import SharePage

type Load = Callable[[str], Awaitable[SharePage | None]]
type Check = Callable[[str, SharePage], Awaitable[bool]]


@dataclass
class Cached:
    page: SharePage | None  # None: not found (kept only while a load is in flight, never stored)
    expires: float
    ttl_s: float
    last_modified: datetime | None = None
    rendered: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # variant -> (body, etag)
    making: dict[str, asyncio.Future[tuple[bytes, str]]] = field(default_factory=dict)
    on_grow: Callable[[], None] | None = None  # the cache re-checks its byte budget when a variant is added

    def size(self) -> int:
        """Bytes this entry holds, roughly: its variants, and the tracks it was made from."""
        tracks = 0 if self.page is None else ENTRY_BYTES * len(self.page.entries)
        return tracks + sum(len(body) for body, _ in self.rendered.values())

    async def variant(
        self, key: str, make: Callable[[], tuple[bytes, str]], executor: Executor | None = None
    ) -> tuple[bytes, str]:
        """The variant's (body, etag), made once off the event loop (in `executor`, else the loop's default one):
        concurrent visitors of a variant that is being made wait for it rather than each making their own (a
        1,000-track page takes tens of ms of CPU)."""
        if (done := self.rendered.get(key)) is not None:
            return done
        pending = self.making.get(key)
        if pending is None:
            pending = asyncio.get_running_loop().run_in_executor(executor, make)
            self.making[key] = pending
            pending.add_done_callback(lambda f: self._made(key, f))
        return await asyncio.shield(pending)

    def _made(self, key: str, future: asyncio.Future[tuple[bytes, str]]) -> None:
        self.making.pop(key, None)
        if not future.cancelled() and future.exception() is None:
            self.rendered[key] = future.result()
            if self.on_grow is not None:
                self.on_grow()


ENTRY_BYTES = 400  # what one loaded track costs in memory, roughly (an Entry with its Track and strings)


class PageCache:
    def __init__(
        self, clock: Clock, *, ttl_s: float, max_pages: int = 2_000, max_bytes: int = 64 * 1024 * 1024
    ) -> None:
        self._clock = clock
        self.ttl_s = ttl_s
        self._max = max_pages
        self._max_bytes = max_bytes
        self._pages: OrderedDict[str, Cached] = OrderedDict()
        self._stale: OrderedDict[str, Cached] = OrderedDict()  # past their lifetime, kept for a version check
        self._loading: dict[str, asyncio.Future[SharePage | None]] = {}
        self.loads = 0  # full store loads made (for tests and the benchmark)
        self.checks = 0  # version checks made

    def fresh(self, token: str) -> Cached | None:
        cached = self._pages.get(token)
        if cached is None:
            return None
        if cached.expires <= self._clock.monotonic():
            del self._pages[token]
            self._stale[token] = cached  # checked, not reloaded, on the next visit
            while len(self._stale) > self._max:
                self._stale.pop(next(iter(self._stale)))
            return None
        self._pages.move_to_end(token)
        return cached

    async def get(self, token: str, load: Load, unchanged: Check | None = None) -> Cached | None:
        """The token's page from the cache, or loaded once (None when there is no such page: never cached, so
        every miss does the same one lookup). Past its lifetime, a page that `unchanged` confirms (a cheap version
        check) keeps what was rendered from it: a full load and a new rendering happen once per change."""
        if (cached := self.fresh(token)) is not None:
            return cached
        pending = self._loading.get(token)
        if pending is None:
            stale = self._stale.pop(token, None)
            pending = asyncio.ensure_future(self._load(token, load, stale, unchanged))
            self._loading[token] = pending
            pending.add_done_callback(lambda _f: self._loading.pop(token, None))
        page = await asyncio.shield(pending)
        if page is None:
            return None
        return self.fresh(token) or self._store(token, page)

    async def _load(self, token: str, load: Load, stale: Cached | None, unchanged: Check | None) -> SharePage | None:
        if stale is not None and stale.page is not None and unchanged is not None:
            self.checks += 1
            if await unchanged(token, stale.page):
                stale.expires = self._clock.monotonic() + self.ttl_s
                self._keep(token, stale)
                return stale.page
        self.loads += 1
        page = await load(token)
        if page is not None:
            self._store(token, page)
        return page

    def _store(self, token: str, page: SharePage) -> Cached:
        modified = max(page.playlist.updated_at, page.share.created_at)
        return self._keep(token, Cached(page, self._clock.monotonic() + self.ttl_s, self.ttl_s, modified))

    def _keep(self, token: str, cached: Cached) -> Cached:
        self._pages[token] = cached
        self._pages.move_to_end(token)
        cached.on_grow = self._trim
        while len(self._pages) > self._max:
            self._pages.popitem(last=False)
        self._trim()
        return cached

    def size(self) -> int:
        """Bytes held by every entry, fresh and stale."""
        return sum(cached.size() for cached in self._entries())

    def _entries(self) -> Iterator[Cached]:
        yield from self._stale.values()
        yield from self._pages.values()

    def _trim(self) -> None:
        """Drop entries, stale ones first and then the least recently used, until the cache fits its byte budget;
        the newest entry stays even if it alone is over (a visitor being served still holds it anyway)."""
        total = self.size()
        for kept in (self._stale, self._pages):
            while total > self._max_bytes and len(kept) > (1 if kept is self._pages else 0):
                _, dropped = kept.popitem(last=False)
                total -= dropped.size()

    def evict_token(self, token: str) -> None:
        self._pages.pop(token, None)
        self._stale.pop(token, None)

    def evict_guild(self, guild_id: int) -> None:
        for kept in (self._pages, self._stale):
            for token in [t for t, c in kept.items() if c.page and c.page.share.guild_id == guild_id]:
                del kept[token]
