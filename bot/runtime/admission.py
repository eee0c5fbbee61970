"""Admission of interactions: a cap on the work in flight, load shedding by deadline, and a drain for shutdown.

Discord wants the first response to an interaction within 3 s of its creation (the timestamp in its snowflake id).
Past what one process can serve, starting every interaction at once makes all of them late: each competes with
every other for the same event loop, and the process spends its whole time on answers Discord will refuse. So:

- at most `max_in_flight` interactions are on their way to their first response at a time (64: see
  DEFAULT_MAX_IN_FLIGHT); the others wait in a bounded queue of plain entries (no task, no parsed interaction:
  waiting costs nothing). The slot is what the deadline is about, so it is given back at the first response
  (`Ticket.responded()`): a command that deferred and waits for Last.fm does not hold back the others;
- an interaction is started only while its deadline can still be met: its remaining time must cover the time a
  first response takes here now (the recent average plus four times its recent deviation, as TCP times a
  retransmission; never less than `reserve_s` nor more than 2 s).
  One that cannot is dropped before any work and counted (`sharify_interactions_shed_total{reason="expired"}`);
  when the queue is full, its oldest entry goes (reason "overflow"): it is the one with the least time left;
- the queue is served oldest first while it keeps up, newest first once its oldest entry has waited longer than
  `lifo_after_s` (adaptive LIFO): under overload the newest interactions still have time to be answered, and the
  old ones, which would be late anyway, expire and are dropped, so they never starve the newest;
- `close()` (shutdown) admits nothing more (reason "shutdown"); `drain()` waits until every admitted interaction
  has finished (`Ticket.done()`), first response or not.

    class Work:  # what the caller submits
        def start(self, ticket: Ticket) -> None: ...  # begin now; call ticket.responded() and ticket.done() later
        def shed(self, reason: str) -> None: ...  # dropped without any work ("expired", "overflow", "shutdown")

    admission.submit(interaction_created_at, Work())
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime
from typing import Any, Protocol

from bot.domain.clock import Clock, wait_at_most
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)

DISCORD_DEADLINE_S = 3.0
DEFAULT_RESERVE_S = 0.5  # the least time left for the first response when an interaction starts
# A slot is held until Discord has the first response, so one process answers at most slots / (its own time to a
# first response + the round trip to Discord) a second (Little's law). Its own time is a few ms of the loop each;
# a round trip from a cloud region is 20-150 ms: 64 keeps the loop busy at 150 ms (8 capped a process at about 87
# interactions a second at 100 ms, its loop mostly idle). Without a cap, thousands at once made every one late.
DEFAULT_MAX_IN_FLIGHT = 64
DEFAULT_LIFO_AFTER_S = 0.5
DEFAULT_MAX_WAITING = 1000  # more than one process answers within a deadline: the rest could only expire
# The time left must cover the recent time to a first response plus SERVICE_MARGIN times its recent deviation
# (TCP's retransmission timeout: mean + 4 x mean deviation, RFC 6298, with its weights 1/8 and 1/4)...
SERVICE_MARGIN = 4.0
MEAN_WEIGHT, DEVIATION_WEIGHT = 0.125, 0.25
MAX_NEEDED_S = 2.0  # ...up to this: one less than 1 s old may always start, so a slow spell cannot shut the door


class Work(Protocol):
    def start(self, ticket: Ticket) -> None: ...

    def shed(self, reason: str) -> None: ...


class Ticket:
    """An admitted interaction's hold on the admission: `responded()` frees its slot (the first response is out),
    `done()` ends it (all its work has ended; frees the slot too if it never responded). Both are idempotent."""

    __slots__ = ("_admission", "_done", "_responded", "_started")

    def __init__(self, admission: Admission | None, started: float) -> None:
        self._admission = admission
        self._started = started
        self._responded = False
        self._done = False

    @classmethod
    def unlimited(cls) -> Ticket:
        """A ticket that holds nothing: for a bot running without an admission."""
        return cls(None, 0.0)

    def responded(self) -> None:
        if not self._responded and self._admission is not None:
            self._responded = True
            self._admission._release(self._admission._clock.monotonic() - self._started)

    def done(self) -> None:
        if self._admission is None:
            return
        if not self._responded:
            self._responded = True
            self._admission._release(None)
        if not self._done:
            self._done = True
            self._admission._finish()


class Admission:
    def __init__(
        self,
        clock: Clock,
        *,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        deadline_s: float = DISCORD_DEADLINE_S,
        reserve_s: float = DEFAULT_RESERVE_S,
        lifo_after_s: float = DEFAULT_LIFO_AFTER_S,
        max_waiting: int = DEFAULT_MAX_WAITING,
        metrics: Metrics | None = None,
    ) -> None:
        if max_in_flight < 1 or max_waiting < 0:
            raise ValueError("max_in_flight must be at least 1 and max_waiting at least 0")
        self._clock = clock
        self._max = max_in_flight
        self._deadline_s = deadline_s
        self._reserve_s = reserve_s
        self._lifo_after_s = lifo_after_s
        self._max_waiting = max_waiting
        self._metrics = metrics
        self._waiting: deque[tuple[float, Work]] = deque()  # (creation time in epoch seconds, work), oldest first
        self._in_flight = 0  # holding a slot: admitted, first response not out yet
        self._running = 0  # admitted and not done
        self._service_s = 0.0  # moving average of the time from start to first response
        self._deviation_s = 0.0  # moving average of its distance from that average
        self._closed = False
        self._starting = False  # inside _next: a start that ends at once must not recurse into it
        self._idle = asyncio.Event()
        self._idle.set()
        self.shed_counts: dict[str, int] = {}
        self._shed_counters: dict[str, Any] = {}

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

    @property
    def service_s(self) -> float:
        """The recent time from start to first response (a moving average)."""
        return self._service_s

    def needed_s(self) -> float:
        """The time an interaction must have left to be started now."""
        expected = self._service_s + SERVICE_MARGIN * self._deviation_s
        return min(MAX_NEEDED_S, max(self._reserve_s, expected))

    def expired(self, created_at: datetime) -> bool:
        return self._late(created_at.timestamp(), self._clock.now().timestamp())

    def submit(self, created_at: datetime, work: Work) -> None:
        """Start `work` now if a slot is free, else queue it; or shed it at once (closed, or its deadline is out of
        reach). Everything happens synchronously except the queued start, which a later release makes."""
        if self._closed:
            self._shed(work, "shutdown")
            return
        created = created_at.timestamp()
        now = self._clock.now().timestamp()
        if self._late(created, now):
            self._shed(work, "expired")
            return
        if self._in_flight < self._max and not self._waiting and not self._starting:
            self._start(work)
            return
        self._drop_expired(now)
        if len(self._waiting) >= self._max_waiting:
            if not self._waiting:
                self._shed(work, "overflow")
                return
            self._shed(self._waiting.popleft()[1], "overflow")
        self._waiting.append((created, work))
        self._next()
        self._gauge()

    def close(self) -> None:
        """Admit nothing more: every waiting interaction is shed now, and later ones at once."""
        self._closed = True
        while self._waiting:
            self._shed(self._waiting.popleft()[1], "shutdown")
        self._gauge()

    async def drain(self, timeout_s: float) -> int:
        """Wait up to `timeout_s` for the admitted work to end; returns how many are still running."""
        if self._running:
            await wait_at_most(self._clock, self._idle.wait(), timeout_s)
        return self._running

    # -- inside -------------------------------------------------------------------------------------------------

    def _late(self, created: float, now: float) -> bool:
        return self._deadline_s - (now - created) < self.needed_s()

    def _start(self, work: Work) -> None:
        self._in_flight += 1
        self._running += 1
        self._idle.clear()
        ticket = Ticket(self, self._clock.monotonic())
        try:
            work.start(ticket)
        except BaseException:
            ticket.done()
            raise

    def _release(self, service_s: float | None) -> None:
        self._in_flight -= 1
        if service_s is not None:
            self._deviation_s += DEVIATION_WEIGHT * (abs(service_s - self._service_s) - self._deviation_s)
            self._service_s += MEAN_WEIGHT * (service_s - self._service_s)
        self._next()
        self._gauge()

    def _finish(self) -> None:
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    def _drop_expired(self, now: float) -> None:
        while self._waiting and self._late(self._waiting[0][0], now):
            self._shed(self._waiting.popleft()[1], "expired")

    def _next(self) -> None:
        if self._starting:
            return  # the loop below is running further up this stack and sees the freed slot
        self._starting = True
        try:
            while self._waiting and self._in_flight < self._max and not self._closed:
                now = self._clock.now().timestamp()
                self._drop_expired(now)
                if not self._waiting:
                    return
                behind = now - self._waiting[0][0] > self._lifo_after_s
                created, work = self._waiting.pop() if behind else self._waiting.popleft()
                if self._late(created, now):
                    self._shed(work, "expired")
                    continue
                self._start(work)
        finally:
            self._starting = False

    def _shed(self, work: Work, reason: str) -> None:
        self.shed_counts[reason] = self.shed_counts.get(reason, 0) + 1
        if self._metrics is not None:
            counter = self._shed_counters.get(reason)
            if counter is None:  # labels() costs more than the rest of a shed: look each one up once
                counter = self._shed_counters[reason] = self._metrics.interactions_shed.labels(reason=reason)
            counter.inc()
        try:
            work.shed(reason)
        except Exception:
            log.exception("shedding an interaction failed")

    def _gauge(self) -> None:
        if self._metrics is not None:
            self._metrics.interactions_in_flight.set(self._in_flight)
            self._metrics.interactions_waiting.set(len(self._waiting))
