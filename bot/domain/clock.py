"""Time as a parameter: the client reads the time and sleeps only through a Clock, so tests can drive it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a monotonic scale (rate limiting, backoff deadlines)."""
        ...

    def now(self) -> datetime:
        """The current UTC time (cache freshness)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


async def wait_at_most(clock: Clock, done: Awaitable[Any], seconds: float) -> None:
    """Wait until `done` ends or `seconds` pass on `clock`, whichever is first; `done` is cancelled if time ran out."""
    ending = asyncio.ensure_future(done)
    deadline = asyncio.ensure_future(clock.sleep(seconds))
    try:
        await asyncio.wait({ending, deadline}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ending.cancel()
        deadline.cancel()
