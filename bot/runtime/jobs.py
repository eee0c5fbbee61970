"""Supervised background jobs: named, restarted after a crash, stopped together on shutdown.

    jobs = JobRunner(clock, may_run_server_wide=shard_zero_guard(settings.shard_ids))
    jobs.every("trash-purge", 3600, services.playlists.purge_trash, server_wide=True)
    jobs.forever("feed", follow_feed)
    async with jobs:  # start(); on the way out stop(): cancel every job and wait for it, within a timeout
        ...

A periodic job (`every`) runs its body at start and then every `interval_s` after a run ends. A long-running job
(`forever`) is one coroutine that is expected to keep running; when it returns, it is done and not restarted.
When a body raises, the failure is logged with the job's name and the body runs again after an exponential backoff
(capped, jittered); a success (or, for a long-running job, running longer than the cap) resets the backoff.

Server-wide chores (the same work for the whole deployment, such as emptying the trash) are marked `server_wide` and
run only while `may_run_server_wide()` answers True; it is asked before every run. The rule used today is
`shard_zero_guard`: the process that runs shard 0 does the server-wide chores (every process, when it is not
sharded). A lease in the store can take its place later: any `async def may_run() -> bool` will do. A long-running
server-wide job is asked once per start; losing the right while it runs does not stop it.

Time goes through the domain Clock only (sleeps, backoff, the stop timeout), so tests drive the runner.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from bot.domain.clock import Clock
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)

Body = Callable[[], Awaitable[object]]
MayRun = Callable[[], Awaitable[bool]]

DEFAULT_STOP_TIMEOUT_S = 10.0
DEFAULT_RECHECK_S = 60.0  # how often a held-back long-running server-wide job asks again


def runs_shard_zero(shard_ids: Sequence[int] | None) -> bool:
    """True in the process that runs shard 0; every process runs it when the bot is not sharded across processes."""
    return shard_ids is None or 0 in shard_ids


def shard_zero_guard(shard_ids: Sequence[int] | None) -> MayRun:
    """The server-wide rule of a statically sharded deployment: only the process with shard 0 does the chores."""
    allowed = runs_shard_zero(shard_ids)

    async def may_run() -> bool:
        return allowed

    return may_run


async def _always() -> bool:
    return True


@dataclass(frozen=True)
class Backoff:
    """Delay before the n-th restart in a row: base * factor**(n-1), capped, then cut by up to `jitter` of itself."""

    base_s: float = 1.0
    factor: float = 2.0
    cap_s: float = 300.0
    jitter: float = 0.5  # 0: exact delays; 0.5: anywhere from half the delay to the whole delay

    def delay(self, failures: int, rng: random.Random) -> float:
        exact = min(self.cap_s, self.base_s * self.factor ** max(0, failures - 1))
        return exact * (1.0 - self.jitter * rng.random())


@dataclass
class Job:
    name: str
    body: Body
    interval_s: float | None  # None: a long-running coroutine
    server_wide: bool
    failures: int = 0  # in a row; reset by a success
    runs: int = 0  # bodies that returned normally
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class JobRunner:
    def __init__(
        self,
        clock: Clock,
        *,
        may_run_server_wide: MayRun = _always,
        backoff: Backoff | None = None,
        stop_timeout_s: float = DEFAULT_STOP_TIMEOUT_S,
        recheck_s: float = DEFAULT_RECHECK_S,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._clock = clock
        self._metrics = metrics
        self._may_run_server_wide = may_run_server_wide
        self._backoff = backoff or Backoff()
        self._stop_timeout_s = stop_timeout_s
        self._recheck_s = recheck_s
        self._rng = rng or random.Random()
        self._jobs: dict[str, Job] = {}
        self._started = False

    @property
    def jobs(self) -> dict[str, Job]:
        return dict(self._jobs)

    def every(self, name: str, interval_s: float, body: Body, *, server_wide: bool = False) -> Job:
        """Run `body` now and then every `interval_s` seconds after each run ends."""
        if interval_s <= 0:
            raise ValueError(f"job {name!r}: the interval must be positive")
        return self._add(Job(name, body, interval_s, server_wide))

    def forever(self, name: str, body: Body, *, server_wide: bool = False) -> Job:
        """Run the long-running coroutine `body`, restarting it after a crash."""
        return self._add(Job(name, body, None, server_wide))

    def _add(self, job: Job) -> Job:
        if job.name in self._jobs:
            raise ValueError(f"a job named {job.name!r} is already registered")
        if self._started:
            raise RuntimeError(f"job {job.name!r}: register jobs before start()")
        self._jobs[job.name] = job
        return job

    def start(self) -> None:
        if self._started:
            raise RuntimeError("the job runner is already started")
        self._started = True
        for job in self._jobs.values():
            job.task = asyncio.create_task(self._supervise(job), name=f"job:{job.name}")
        log.info("started %d background job(s): %s", len(self._jobs), ", ".join(self._jobs) or "none")

    async def stop(self, timeout_s: float | None = None) -> list[str]:
        """Cancel every job and wait for them to end, at most `timeout_s`; returns the names of jobs still running."""
        tasks = {job.name: job.task for job in self._jobs.values() if job.task is not None and not job.task.done()}
        for task in tasks.values():
            task.cancel()
        if tasks:
            timeout_s = self._stop_timeout_s if timeout_s is None else timeout_s
            ended: asyncio.Future[Any] = asyncio.gather(*tasks.values(), return_exceptions=True)
            deadline: asyncio.Future[Any] = asyncio.ensure_future(self._clock.sleep(timeout_s))
            try:
                await asyncio.wait({ended, deadline}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                deadline.cancel()
        stuck = [name for name, task in tasks.items() if not task.done()]
        if stuck:
            log.warning("background job(s) still running after the stop timeout: %s", ", ".join(stuck))
        return stuck

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _allowed(self, job: Job) -> bool:
        if not job.server_wide:
            return True
        try:
            return (await self._may_run_server_wide()) is True
        except Exception:
            log.warning("job %r: could not tell whether this process may run it; skipping this round", job.name)
            return False

    async def _supervise(self, job: Job) -> None:
        wait_s = job.interval_s if job.interval_s is not None else self._recheck_s
        while True:
            if not await self._allowed(job):
                await self._clock.sleep(wait_s)
                continue
            started = self._clock.monotonic()
            try:
                await job.body()
            except Exception:
                if job.interval_s is None and self._clock.monotonic() - started >= self._backoff.cap_s:
                    job.failures = 0  # it ran well for a long while: start the backoff over
                job.failures += 1
                delay = self._backoff.delay(job.failures, self._rng)
                if job.interval_s is not None:
                    delay = min(delay, job.interval_s)  # never later than the regular next run
                if self._metrics is not None:
                    self._metrics.job_failures.labels(job=job.name).inc()
                log.exception("job %r failed (%d in a row); next run in %.1f s", job.name, job.failures, delay)
                await self._clock.sleep(delay)
                continue
            job.failures = 0
            job.runs += 1
            if job.interval_s is None:
                log.info("job %r finished", job.name)
                return
            await self._clock.sleep(job.interval_s)
