"""Fan-out of independent catalog lookups: all at once (the client's rate limit, burst, in-flight cap, cache and
coalescing pace them), or one at a time (for comparison in the benchmark). A lookup that fails with a domain
error comes back as that error, so a mix is made from the rest; anything else propagates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

from bot.domain.errors import SharifyError
from bot.domain.mixes.model import Progress


class Fan:
    def __init__(self, *, sequential: bool = False, progress: Progress | None = None) -> None:
        self.sequential = sequential
        self.progress = progress
        self.stale = False

    async def all[T](self, work: Sequence[Awaitable[T]], *, what: str | None = None) -> list[T | SharifyError]:
        """Results in order; `what` ("members", "tags") reports "k of n <what> read" as each finishes."""
        total, done = len(work), 0

        async def one(aw: Awaitable[T]) -> T | SharifyError:
            nonlocal done
            try:
                result: T | SharifyError = await aw
                if getattr(result, "stale", False):
                    self.stale = True
            except SharifyError as e:
                result = e
            done += 1
            if what and self.progress is not None and total > 1:
                await self.progress(f"{done} of {total} {what} read")
            return result

        if self.sequential:
            return [await one(aw) for aw in work]
        return list(await asyncio.gather(*(one(aw) for aw in work)))
