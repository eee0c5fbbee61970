"""Test doubles for the Last.fm client: a virtual clock and an in-memory CacheRepository."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.ports.storage import CachedValue

START = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


class VirtualClock:
    """Time that moves only when asked: `advance()` by hand, or `running()` to jump to the next sleeper
    whenever the event loop has nothing else ready. No test waits on the wall clock for a sleep."""

    def __init__(self, start: datetime = START) -> None:
        self._t = 0.0
        self._start = start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._t)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self._t + seconds, self._seq, fut))
        self._seq += 1
        await fut

    def advance(self, seconds: float) -> None:
        self._t += seconds
        self._wake()

    def _wake(self) -> None:
        while self._heap and self._heap[0][0] <= self._t:
            _, _, fut = heapq.heappop(self._heap)
            if not fut.done():
                fut.set_result(None)

    async def _drive(self) -> None:
        while True:
            for _ in range(20):
                await asyncio.sleep(0)
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)
            if self._heap:
                self._t = max(self._t, self._heap[0][0])
                self._wake()
            else:
                await asyncio.sleep(0.001)  # waiting on real I/O (the stand-in), not on a sleep

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[VirtualClock]:
        task = asyncio.create_task(self._drive())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class MemoryCacheRepo:
    """A CacheRepository in a dict; values go through JSON like a real store's would."""

    def __init__(self) -> None:
        self.data: dict[str, CachedValue] = {}
        self.puts = 0
        self.fail = False

    async def get(self, key: str, *, now: datetime) -> CachedValue | None:
        if self.fail:
            raise ConnectionError("store down")
        v = self.data.get(key)
        if v is None or now >= v.expires_at:
            return None
        return v

    async def put(self, key: str, value: Any, *, now: datetime, fresh_until: datetime, expires_at: datetime) -> None:
        if self.fail:
            raise ConnectionError("store down")
        self.puts += 1
        self.data[key] = CachedValue(
            key=key, value=json.loads(json.dumps(value)), stored_at=now, fresh_until=fresh_until, expires_at=expires_at
        )
