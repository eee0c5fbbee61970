"""The round runner: closes rounds at their closing time and reveals them at the end of voting, then has the
announcement updated.

Each step is the service's compare-and-set on the round's phase, so with several shard processes polling the same
store exactly one performs (and announces) each transition. The store remembers which phase each announcement
shows: a process that moved a round and stopped before announcing it leaves the announcement lagging, and the next
tick (of any process) announces it again, an idempotent edit. Each tick also repairs submits cut off half-way.
After submissions the announcement's counts are refreshed, at most once per round every `refresh_s`.

Run under the supervised job runner (`bot.runtime.jobs`); time comes from the injected clock, and `wake()` makes it
look now rather than at its next poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Protocol

from bot.domain.clock import Clock, wait_at_most
from bot.domain.rounds.models import Phase, Results, Round

log = logging.getLogger(__name__)


class Announcer(Protocol):
    async def changed(self, r: Round, results: Results | None) -> None:
        """Show the round's new phase: edit its announcement; at the reveal, post the results."""
        ...


class Due(Protocol):
    async def advance_due(self) -> list[tuple[Round, Results | None]]: ...

    async def unannounced(self) -> list[Round]: ...

    async def announced(self, r: Round) -> None: ...

    async def results(self, r: Round) -> Results: ...

    async def get(self, guild_id: int, round_id: str) -> Round: ...

    async def repair(self) -> int: ...


class RoundRunner:
    def __init__(
        self,
        rounds: Due,
        announcer: Announcer,
        *,
        clock: Clock,
        poll_s: float = 15.0,
        refresh_s: float = 10.0,
        rng: random.Random | None = None,
    ) -> None:
        self._rounds = rounds
        self._announcer = announcer
        self._clock = clock
        self.poll_s = poll_s
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self.moved = 0  # transitions this runner performed (tests, benchmarks)
        self.refresh_s = refresh_s
        self.refreshes = 0  # count refreshes made (tests, benchmarks)
        self._refreshed: dict[str, float] = {}  # round id -> monotonic time of its last count refresh
        self._pending: dict[str, asyncio.Future[None]] = {}

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            if await self.tick():
                continue
            await self._pause(self.poll_s * (0.5 + 0.5 * self._rng.random()))

    async def tick(self) -> int:
        """Move every due round on and announce it, announce again what a stopped process left lagging, and
        repair cut-off submits; returns how many rounds this runner moved."""
        moved = await self._rounds.advance_due()
        for r, results in moved:
            self.moved += 1
            await self.announce(r, results)
        for r in await self._rounds.unannounced():
            if all(r.id != m.id for m, _ in moved):
                await self.announce(r, await self._rounds.results(r) if r.phase is Phase.REVEALED else None)
        try:
            await self._rounds.repair()
        except Exception:
            log.exception("cut-off round submits could not be repaired")
        return len(moved)

    async def announce(self, r: Round, results: Results | None) -> bool:
        """Show the round's phase on its announcement, then note that it does (so it is not announced again)."""
        try:
            await self._announcer.changed(r, results)
            await self._rounds.announced(r)
        except Exception:
            log.exception("round %s: the %s announcement could not be made", r.id, r.phase.value)
            return False
        return True

    def counts_changed(self, r: Round) -> None:
        """A submission was made or withdrawn: refresh the announcement's counts now, or when `refresh_s` has
        passed since the last refresh (one pending refresh per round collects every change until then)."""
        if r.id in self._pending:
            return
        now = self._clock.monotonic()
        for rid, at in list(self._refreshed.items()):
            if now - at >= self.refresh_s and rid not in self._pending:
                del self._refreshed[rid]
        last = self._refreshed.get(r.id)
        delay = 0.0 if last is None else max(0.0, last + self.refresh_s - now)
        self._pending[r.id] = asyncio.ensure_future(self._refresh(r, delay))

    async def _refresh(self, r: Round, delay: float) -> None:
        try:
            if delay > 0:
                await self._clock.sleep(delay)
            if self._pending.get(r.id) is asyncio.current_task():
                del self._pending[r.id]  # a change from here on schedules the next refresh
            while True:
                fresh = await self._rounds.get(r.guild_id, r.id)
                wait = self._refreshed.get(r.id, -self.refresh_s) + self.refresh_s - self._clock.monotonic()
                if wait <= 0:
                    break
                await self._clock.sleep(wait)  # an earlier edit started less than refresh_s ago: read again after
            if fresh.phase is not Phase.OPEN or fresh.message_id is None:
                return
            self._refreshed[r.id] = self._clock.monotonic()
            self.refreshes += 1
            await self._announcer.changed(fresh, None)
        except Exception:
            log.exception("round %s: the counts could not be refreshed", r.id)
        finally:
            if self._pending.get(r.id) is asyncio.current_task():
                del self._pending[r.id]

    async def close(self) -> None:
        """Cancel pending count refreshes (at shutdown)."""
        for pending in list(self._pending.values()):
            pending.cancel()
        self._pending.clear()

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        await wait_at_most(self._clock, self._wake.wait(), seconds)
