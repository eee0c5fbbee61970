"""Per-visitor rate limiting for the share pages: a token bucket per client address, on a passed-in clock.

The buckets live in a bounded LRU map, so a flood of distinct addresses costs bounded memory (an evicted address
simply starts again with a full bucket)."""

from __future__ import annotations

import math
from collections import OrderedDict

from bot.domain.clock import Clock


class RateLimiter:
    def __init__(self, clock: Clock, *, rate_per_second: float, burst: int, max_clients: int = 10_000) -> None:
        self._clock = clock
        self.rate = rate_per_second
        self.burst = burst
        self._max = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)

    def take(self, client: str) -> float:
        """Take one token for `client`: 0.0 when allowed, else the seconds until one is free."""
        now = self._clock.monotonic()
        tokens, at = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait


def retry_after(wait: float) -> str:
    """Retry-After in whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


def client_address(remote: str | None, forwarded_for: str | None, *, hops: int) -> str:
    """The visitor's address. `hops` = 0: the connection's peer. Behind load balancers that append to
    X-Forwarded-For, `hops` is how many addresses at the end of that header they wrote: the visitor is the one
    `hops` places from the end (what a visitor writes in the header themselves comes before it and is ignored)."""
    if hops <= 0 or not forwarded_for:
        return remote or "unknown"
    parts = [p.strip() for p in forwarded_for.split(",") if p.strip()]
    return parts[-hops] if len(parts) >= hops else (parts[0] if parts else remote or "unknown")
