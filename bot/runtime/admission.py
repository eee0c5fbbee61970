"""Admission of interactions: a cap on the work in flight, load shedding by deadline, and a drain for shutdown.

Discord wants the first response to an interaction within 3 s of its creation (the timestamp in its snowflake id).
Past what one process can serve, starting every interaction at once makes all of them late: each competes with
every other for the same event loop, and the process spends its whole time on answers Discord will refuse. So:

- at most `max_in_flight` interactions are on their way to their first response at a time; the others wait in a
  queue, which costs nothing. The slot is what the deadline is about, so it is given back at the first response
  (`release()`): a command that deferred and waits for Last.fm does not hold back the others;
- an interaction whose deadline can no longer be met (older than `deadline_s - reserve_s`, 2 s, when it would start) is
  dropped before any work and counted (`sharify_interactions_shed_total{reason="expired"}`);
- the queue is served oldest first while it keeps up, newest first once its oldest entry has waited longer than
  `lifo_after_s` (adaptive LIFO): under overload the newest interactions still have time to be answered, and the old
  ones, which would be late anyway, expire and are dropped, so they never starve the newest;
- `close()` (shutdown) admits nothing more (reason "shutdown"); `drain()` waits until every admitted interaction
  has finished (`finish()`), first response or not.

    admission = Admission(clock)
    if not await admission.admit(interaction.created_at):
        return  # shed
    try:
        ...  # admission.release() once the first response is out (or at the end, whichever comes first)
    finally:
        admission.finish()
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import Clock
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)

DISCORD_DEADLINE_S = 3.0
DEFAULT_RESERVE_S = 1.0  # kept for the first response under load: an interaction older than 2 s does not start
DEFAULT_MAX_IN_FLIGHT = 8  # the loop is the bottleneck: more at once only makes each one later
DEFAULT_LIFO_AFTER_S = 0.5


@dataclass
class _Waiter:
    created_at: datetime
    future: asyncio.Future[bool]


class Admission:
    def __init__(
        self,
        clock: Clock,
        *,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        deadline_s: float = DISCORD_DEADLINE_S,
        reserve_s: float = DEFAULT_RESERVE_S,
        lifo_after_s: float = DEFAULT_LIFO_AFTER_S,
        metrics: Metrics | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self._clock = clock
        self._max = max_in_flight
        self._budget_s = deadline_s - reserve_s
        self._lifo_after_s = lifo_after_s
        self._metrics = metrics
        self._waiting: deque[_Waiter] = deque()
        self._in_flight = 0  # holding a slot: admitted, first response not out yet
        self._running = 0  # admitted and not finished
        self._closed = False
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def closed(self) -> bool:
        return self._closed

    def age_s(self, created_at: datetime) -> float:
        return (self._clock.now() - created_at).total_seconds()

    def expired(self, created_at: datetime) -> bool:
        return self.age_s(created_at) > self._budget_s

    async def admit(self, created_at: datetime) -> bool:
        """True when the caller may start (and must `release()` once and `finish()` once later); False: shed."""
        if self._closed:
            self._shed("shutdown")
            return False
        if self.expired(created_at):
            self._shed("expired")
            return False
        if self._in_flight < self._max and not self._waiting:
            self._start()
            return True
        waiter = _Waiter(created_at, asyncio.get_running_loop().create_future())
        self._waiting.append(waiter)
        self._gauge()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled() and waiter.future.result():
                self.release()  # admitted just as it was cancelled: give the slot back
                self.finish()
            elif waiter in self._waiting:
                self._waiting.remove(waiter)
                self._gauge()
            raise

    def release(self) -> None:
        """The first response is out (or the work ended): the slot goes to the next waiting interaction."""
        self._in_flight -= 1
        self._next()
        self._gauge()

    def finish(self) -> None:
        """The admitted interaction's work has ended."""
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    def close(self) -> None:
        """Admit nothing more: every waiting interaction is shed now, and later ones at once."""
        self._closed = True
        while self._waiting:
            self._resolve(self._waiting.popleft(), admitted=False, reason="shutdown")
        self._gauge()

    async def drain(self, timeout_s: float) -> int:
        """Wait up to `timeout_s` for the admitted work to end; returns how many are still running."""
        if self._running:
            wait = asyncio.ensure_future(self._idle.wait())
            deadline = asyncio.ensure_future(self._clock.sleep(timeout_s))
            try:
                await asyncio.wait({wait, deadline}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                wait.cancel()
                deadline.cancel()
        return self._running

    def _start(self) -> None:
        self._in_flight += 1
        self._running += 1
        self._idle.clear()

    def _next(self) -> None:
        while self._waiting and self._in_flight < self._max:
            while self._waiting and self.expired(self._waiting[0].created_at):
                self._resolve(self._waiting.popleft(), admitted=False, reason="expired")
            if not self._waiting:
                return
            behind = self.age_s(self._waiting[0].created_at) > self._lifo_after_s
            waiter = self._waiting.pop() if behind else self._waiting.popleft()
            if self.expired(waiter.created_at):
                self._resolve(waiter, admitted=False, reason="expired")
                continue
            self._start()
            self._resolve(waiter, admitted=True)

    def _resolve(self, waiter: _Waiter, *, admitted: bool, reason: str = "") -> None:
        if waiter.future.done():  # its task was cancelled meanwhile
            return
        waiter.future.set_result(admitted)
        if not admitted:
            self._shed(reason)

    def _shed(self, reason: str) -> None:
        if self._metrics is not None:
            self._metrics.interactions_shed.labels(reason=reason).inc()

    def _gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.interactions_in_flight.set(self._in_flight)
            self._metrics.interactions_waiting.set(len(self._waiting))
