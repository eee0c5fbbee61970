"""Process-wide request discipline: a leaky-bucket rate limit with a burst, and request coalescing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable

from aiolimiter import AsyncLimiter

from bot.domain.clock import Clock

_EPSILON = 1e-9
_MIN_WAIT_S = 1e-6


class ClockedLimiter(AsyncLimiter):
    """aiolimiter's leaky bucket (capacity `burst`, draining at `rate_per_second`) read through a Clock.

    aiolimiter reads the event loop's time and wakes waiters with loop timers; here the bucket level is
    computed from `clock.monotonic()` and waiting is `clock.sleep()`, so tests can drive time.
    """

    def __init__(self, rate_per_second: float, burst: int, clock: Clock) -> None:
        if rate_per_second <= 0 or burst < 1:
            raise ValueError("rate_per_second must be > 0 and burst >= 1")
        super().__init__(max_rate=burst, time_period=burst / rate_per_second)
        self.clock = clock
        self.rate_per_second = rate_per_second
        self._last_check = clock.monotonic()

    def _leak(self) -> None:
        now = self.clock.monotonic()
        if self._level:
            self._level = max(self._level - (now - self._last_check) * self._rate_per_sec, 0.0)
        self._last_check = now

    async def acquire(self, amount: float = 1) -> None:
        if not 0 <= amount <= self.max_rate:
            raise ValueError("Amount must be a number between 0 and the maximum capacity")
        while True:
            self._leak()
            excess = self._level + amount - self.max_rate
            if excess <= _EPSILON:  # float drift must not leave a waiter spinning on a zero-length sleep
                break
            await self.clock.sleep(max(excess / self._rate_per_sec, _MIN_WAIT_S))
        self._level += amount


class Coalescer[K: Hashable, V]:
    """Identical requests already in flight share one execution (and its result or exception)."""

    def __init__(self) -> None:
        self._inflight: dict[K, asyncio.Task[V]] = {}
        self.shared = 0  # how many callers joined an execution already in flight

    def __len__(self) -> int:
        return len(self._inflight)

    async def run(self, key: K, work: Callable[[], Awaitable[V]]) -> V:
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._done(key, t))
        else:
            self.shared += 1
        # shield: one caller giving up (cancelled) does not cancel the call the others wait for
        return await asyncio.shield(task)

    def _done(self, key: K, task: asyncio.Task[V]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, so an abandoned failure is not reported as unhandled
