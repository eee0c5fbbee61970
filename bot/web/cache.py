"""The share pages' in-memory cache: what a token's page looked like, for a few seconds.

Why a cache with a short lifetime rather than a version lookup per visit: a revalidation (If-None-Match) then
costs no store read at all, so a link posted in a busy chat costs one store read per token per lifetime, not one
per visit, and the 304 path is a dictionary lookup. The price is staleness bounded by the lifetime: a change made
in another process (another shard's pod) shows within `ttl_s`; in this process, turning a page off or changing
what the server shows evicts at once (`evict_token`, `evict_guild`), so a revoked link 404s immediately here.
Misses for one token are loaded once (concurrent visitors wait for the same load). Entries are bounded in number.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.clock import Clock
from bot.domain.services.share import SharePage


@dataclass
class Cached:
    page: SharePage | None  # None: not found (kept only while a load is in flight, never stored)
    expires: float
    ttl_s: float
    last_modified: datetime | None = None
    rendered: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # variant -> (body, etag)


class PageCache:
    def __init__(self, clock: Clock, *, ttl_s: float, max_pages: int = 2_000) -> None:
        self._clock = clock
        self.ttl_s = ttl_s
        self._max = max_pages
        self._pages: OrderedDict[str, Cached] = OrderedDict()
        self._loading: dict[str, asyncio.Future[SharePage | None]] = {}
        self.loads = 0  # store loads made (for tests and the benchmark)

    def fresh(self, token: str) -> Cached | None:
        cached = self._pages.get(token)
        if cached is None:
            return None
        if cached.expires <= self._clock.monotonic():
            del self._pages[token]
            return None
        self._pages.move_to_end(token)
        return cached

    async def get(self, token: str, load: Callable[[str], Awaitable[SharePage | None]]) -> Cached | None:
        """The token's page from the cache, or loaded once (None when there is no such page: never cached, so
        every miss does the same one lookup)."""
        if (cached := self.fresh(token)) is not None:
            return cached
        pending = self._loading.get(token)
        if pending is None:
            pending = asyncio.ensure_future(self._load(token, load))
            self._loading[token] = pending
            pending.add_done_callback(lambda _f: self._loading.pop(token, None))
        page = await asyncio.shield(pending)
        if page is None:
            return None
        return self.fresh(token) or self._store(token, page)

    async def _load(self, token: str, load: Callable[[str], Awaitable[SharePage | None]]) -> SharePage | None:
        self.loads += 1
        page = await load(token)
        if page is not None:
            self._store(token, page)
        return page

    def _store(self, token: str, page: SharePage) -> Cached:
        modified = max(page.playlist.updated_at, page.share.created_at)
        cached = Cached(page, self._clock.monotonic() + self.ttl_s, self.ttl_s, modified)
        self._pages[token] = cached
        self._pages.move_to_end(token)
        while len(self._pages) > self._max:
            self._pages.popitem(last=False)
        return cached

    def evict_token(self, token: str) -> None:
        self._pages.pop(token, None)

    def evict_guild(self, guild_id: int) -> None:
        for token in [t for t, c in self._pages.items() if c.page and c.page.share.guild_id == guild_id]:
            del self._pages[token]
