"""The runner: claims due schedules from the shared store, posts each occurrence once, records how it went and
moves the schedule to its next occurrence.

Exactly once, across processes and crashes:
- a claim is one atomic, guarded write in the store (each due schedule goes to exactly one claimant) and counts an
  attempt; the lease it sets expires, so a process that dies after claiming holds nothing for long;
- each occurrence has an id (schedule id + scheduled UTC second) and a Discord nonce derived from it, sent with
  enforce_nonce: Discord answers a repeated nonce (within a few minutes) with the message already made;
- a claimant that finds an earlier attempt on the occurrence (attempts > 1) first asks the poster whether that
  attempt's message exists (it carries the occurrence id) and records it instead of posting again;
- finish/retry are guarded by the lease owner and the occurrence: a claimant that lost its lease changes nothing.

After downtime an occurrence missed by less than the grace window is posted (once); older ones are recorded as
skipped. A transient failure (Discord 5xx, 429; Last.fm down or slow while a fresh mix is made) is retried with
backoff while the occurrence is inside the window; a failed occurrence counts toward the failures in a row, and at
`pause_after` the schedule pauses itself, saying why. A mood or blend schedule's mix is made (and saved) at post time
by the Mixer; saved mixes beyond the schedule's `keep` go to the trash after the post is recorded.
Stopping: the runner stops claiming, lets posts in flight finish (bounded), and releases leases it never started.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.clock import Clock, wait_at_most
from bot.domain.ports.schedules import ScheduleRepository
from bot.domain.schedules.models import Fresh, Outcome, Schedule, nonce_of, occurrence_id

log = logging.getLogger(__name__)


class PostError(Exception):
    """A post that failed. `transient`: worth trying again (Discord 5xx, 429, a timeout)."""

    def __init__(self, detail: str, *, transient: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.transient = transient


@dataclass(frozen=True)
class Post:
    schedule: Schedule
    occurrence: datetime
    occurrence_id: str
    nonce: str
    fresh: Fresh | None = None  # the mix made for this occurrence (a mood or blend schedule)


class Mixer(Protocol):
    async def make(self, post: Post, *, owner: str) -> Fresh:
        """The occurrence's fresh mix (saved, when the schedule saves). PostError on failure."""
        ...

    async def trim(self, schedule: Schedule, saved: Sequence[str]) -> int:
        """Move saved mixes beyond the schedule's `keep` to the trash."""
        ...


class Poster(Protocol):
    async def find(self, post: Post) -> int | None:
        """The id of a message an earlier attempt made for this occurrence, if there is one."""
        ...

    async def send(self, post: Post) -> int:
        """Post the occurrence; returns the message id. PostError on failure."""
        ...


@dataclass(frozen=True)
class RunnerSettings:
    grace: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    poll_s: float = 15.0
    batch: int = 20
    batches: int = 4  # claimed batches handled at once by run()
    concurrency: int = 10
    retry_base: timedelta = timedelta(seconds=30)
    pause_after: int = 3  # failed occurrences in a row
    stop_timeout_s: float = 10.0
    post_rate: float = 50.0  # Discord requests a second this process may make for posts (its share of the bot's)


class ScheduleRunner:
    def __init__(
        self,
        store: ScheduleRepository,
        poster: Poster,
        *,
        clock: Clock,
        settings: RunnerSettings | None = None,
        owner: str | None = None,
        rng: random.Random | None = None,
        mixer: Mixer | None = None,
    ) -> None:
        self._store = store
        self._poster = poster
        self._mixer = mixer
        self._clock = clock
        self.settings = settings or RunnerSettings()
        self.owner = owner or uuid.uuid4().hex[:16]
        self._rng = rng or random.Random()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.posted = 0  # messages this runner sent (for tests and benchmarks)

    def wake(self) -> None:
        """Look for due schedules now rather than at the next poll (after the clock moved, or a run-now)."""
        self._wake.set()

    async def run(self) -> None:
        """Claim and post until stopped: straight on while there is work, else every poll_s (jittered).

        Up to `batches` claimed batches are handled at once: a batch waiting on a busy channel's rate limit does
        not hold back the next claim (its leases are far longer than any wait the pacer makes)."""
        batches: set[asyncio.Task[None]] = set()

        def done(task: asyncio.Task[None]) -> None:
            batches.discard(task)
            if not batches:
                self._idle.set()

        try:
            while not self._stopping.is_set():
                if len(batches) >= self.settings.batches:
                    await asyncio.wait(set(batches), return_when=asyncio.FIRST_COMPLETED)
                    continue
                claimed = await self._claim()
                if claimed and not self._stopping.is_set():
                    self._idle.clear()
                    task = asyncio.ensure_future(self._handle_all(claimed))
                    batches.add(task)
                    task.add_done_callback(done)
                    continue
                if claimed:  # stopping while claiming: give them back
                    await self._store.release(owner=self.owner, schedule_ids=[c.id for c in claimed])
                    break
                await self._pause(self.settings.poll_s * (0.5 + 0.5 * self._rng.random()))
            if batches:  # stopping: posts in flight finish (stop() bounds how long it waits for them)
                await asyncio.wait(set(batches))
        finally:
            for task in batches:  # cancelled (after stop's grace): posts still in flight stop too
                task.cancel()

    async def stop(self) -> None:
        """Stop claiming; posts in flight finish (within stop_timeout_s); unstarted claims are released."""
        self._stopping.set()
        self._wake.set()
        await wait_at_most(self._clock, self._idle.wait(), self.settings.stop_timeout_s)

    async def tick(self) -> int:
        """One round: claim up to a batch of due schedules and handle them. Returns how many were claimed."""
        if self._stopping.is_set():
            return 0
        self._idle.clear()
        try:
            claimed = await self._claim()
            if claimed:
                await self._handle_all(claimed)
            return len(claimed)
        finally:
            self._idle.set()

    async def _claim(self) -> list[Schedule]:
        now = self._clock.now()
        return await self._store.claim(
            now=now, owner=self.owner, lease_until=now + self.settings.lease, limit=self.settings.batch
        )

    async def _handle_all(self, claimed: Sequence[Schedule]) -> None:
        gate = asyncio.Semaphore(self.settings.concurrency)
        unstarted: list[str] = []

        async def one(schedule: Schedule) -> None:
            async with gate:
                if self._stopping.is_set():
                    unstarted.append(schedule.id)
                    return
                try:
                    await self.handle(schedule)
                except Exception:
                    log.exception("schedule %s: the occurrence could not be handled", schedule.id)

        await asyncio.gather(*(one(s) for s in claimed))
        if unstarted:
            released = await self._store.release(owner=self.owner, schedule_ids=unstarted)
            log.info("released %d unstarted schedule claim(s) on stop", released)

    async def handle(self, schedule: Schedule) -> Outcome:
        """Post (or skip, or retry, or record) the occurrence this runner has just claimed."""
        occurrence = schedule.next_run_at
        now = self._clock.now()
        rules = schedule.recurrence
        grace = self.settings.grace
        if now - occurrence > grace:
            # Missed by more than the window: skipped. The next occurrence is searched from the start of the window,
            # so one missed by less than the window is posted next (it is due already).
            await self._finish(
                schedule,
                Outcome.SKIPPED,
                "missed while Sharify was offline",
                None,
                rules.next_after(max(occurrence, now - grace)),
                schedule.failures,
            )
            return Outcome.SKIPPED
        key = occurrence_id(schedule.id, occurrence)
        post = Post(schedule, occurrence, key, nonce_of(key))
        upcoming = rules.next_after(max(occurrence, now))
        if schedule.attempts > 1:
            try:
                found = await self._poster.find(post)
            except PostError as e:
                log.info("schedule %s: could not look for an earlier post (%s); relying on the nonce", key, e.detail)
                found = None
            if found is not None:
                await self._finish(schedule, Outcome.FOUND, "posted by an earlier attempt", found, upcoming, 0)
                return Outcome.FOUND
        if schedule.is_mix:
            try:
                post = dataclasses.replace(post, fresh=await self._make_mix(post))
            except PostError as e:
                return await self._failed(schedule, post, e, upcoming)
        try:
            message_id = await self._poster.send(post)
        except PostError as e:
            return await self._failed(schedule, post, e, upcoming)
        self.posted += 1
        await self._finish(schedule, Outcome.POSTED, None, message_id, upcoming, 0)
        if post.fresh is not None and post.fresh.saved and self._mixer is not None:
            try:
                await self._mixer.trim(schedule, post.fresh.saved)
            except Exception:  # the post is made and recorded; the next occurrence trims again
                log.exception("schedule %s: older saved mixes could not be trimmed", schedule.id)
        return Outcome.POSTED

    async def _make_mix(self, post: Post) -> Fresh:
        if self._mixer is None:
            raise PostError("mixes are not set up on this bot", transient=False)
        return await self._mixer.make(post, owner=self.owner)

    async def _failed(self, schedule: Schedule, post: Post, error: PostError, upcoming: datetime) -> Outcome:
        now = self._clock.now()
        if error.transient:
            delay = self.settings.retry_base * 2 ** max(0, schedule.attempts - 1)
            if now + delay < post.occurrence + self.settings.grace:
                await self._store.retry_later(
                    schedule.id, owner=self.owner, occurrence=post.occurrence, at=now + delay, detail=error.detail
                )
                return Outcome.RETRYING
        failures = schedule.failures + 1
        reason = None
        if failures >= self.settings.pause_after:
            reason = f"paused after {failures} failed posts in a row; the last: {error.detail}"
        await self._finish(schedule, Outcome.FAILED, error.detail, None, upcoming, failures, reason)
        return Outcome.FAILED

    async def _finish(  # noqa: PLR0917 - private; each call reads as the outcome it records
        self,
        schedule: Schedule,
        outcome: Outcome,
        detail: str | None,
        message_id: int | None,
        next_run_at: datetime,
        failures: int,
        pause_reason: str | None = None,
    ) -> None:
        kept = await self._store.finish(
            schedule.id,
            owner=self.owner,
            occurrence=schedule.next_run_at,
            outcome=outcome,
            detail=detail,
            message_id=message_id,
            next_run_at=next_run_at,
            failures=failures,
            pause_reason=pause_reason,
        )
        if not kept:
            log.warning("schedule %s: the lease was lost before %s could be recorded", schedule.id, outcome.value)

    async def _pause(self, seconds: float) -> None:
        self._wake.clear()
        await wait_at_most(self._clock, self._wake.wait(), seconds)
