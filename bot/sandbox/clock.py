"""A clock the sandbox (and end-to-end tests) can move: the real clock plus an offset that only grows.

`now()` is the real time shifted by the offset, so the bot's background work (scheduled posts) sees the moved
time; `monotonic()` and `sleep()` stay real, so timeouts and polls behave as usual."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class SettableClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (aware; naive is taken as UTC)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self._offset = moment - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
