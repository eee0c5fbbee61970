"""The round runner: closes rounds at their closing time and reveals them at the end of voting, then has the
announcement updated.

Each step is the service's compare-and-set on the round's phase, so with several shard processes polling the same
store exactly one performs (and announces) each transition. Run under the supervised job runner
(`bot.runtime.jobs`); time comes from the injected clock, and `wake()` makes it look now rather than at its next poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.rounds.models import Results, Round

log = logging.getLogger(__name__)


class Announcer(Protocol):
    async def changed(self, r: Round, results: Results | None) -> None:
        """Show the round's new phase: edit its announcement; at the reveal, post the results."""
        ...


class Due(Protocol):
    async def advance_due(self) -> list[tuple[Round, Results | None]]: ...


class RoundRunner:
    def __init__(
        self, rounds: Due, announcer: Announcer, *, clock: Clock, poll_s: float = 15.0, rng: random.Random | None = None
    ) -> None:
        self._rounds = rounds
        self._announcer = announcer
        self._clock = clock
        self.poll_s = poll_s
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self.moved = 0  # transitions this runner performed (tests, benchmarks)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            if await self.tick():
                continue
            await self._pause(self.poll_s * (0.5 + 0.5 * self._rng.random()))

    async def tick(self) -> int:
        """Move every due round on and announce it; returns how many this runner moved."""
        moved = await self._rounds.advance_due()
        for r, results in moved:
            self.moved += 1
            try:
                await self._announcer.changed(r, results)
            except Exception:
                log.exception("round %s: the %s announcement could not be made", r.id, r.phase.value)
        return len(moved)

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        woken = asyncio.ensure_future(self._wake.wait())
        sleeping = asyncio.ensure_future(self._clock.sleep(seconds))
        try:
            await asyncio.wait({woken, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            sleeping.cancel()
