"""The supervised job runner, driven by a clock the test steps: runs, crashes and backoff, server-wide gating, stop."""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.runtime.jobs import Backoff, JobRunner, runs_shard_zero, shard_zero_guard
from bot.runtime.metrics import Metrics

EXACT = Backoff(base_s=1.0, factor=2.0, cap_s=300.0, jitter=0.0)


async def settle() -> None:
    """Let every task run until it waits on something again."""
    for _ in range(50):
        await asyncio.sleep(0)


class SteppedClock:
    """A Clock whose sleep() waits until the test moves time past its end (FakeClock's sleep never yields)."""

    def __init__(self) -> None:
        self.mono = 0.0
        self.start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        self.slept: list[float] = []  # every duration asked for, in order
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []
        self._slept = asyncio.Event()  # set whenever a task starts sleeping

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.mono)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.mono + max(0.0, seconds), future)
        self._sleepers.append(entry)
        self._slept.set()
        try:
            await future
        finally:
            self._sleepers.remove(entry)

    async def advance(self, seconds: float) -> None:
        """Move time forward, waking each sleeper at its own deadline, in order."""
        target = self.mono + seconds
        await settle()
        while due := [s for s in self._sleepers if s[0] <= target and not s[1].done()]:
            at, future = min(due, key=lambda s: s[0])
            self.mono = max(self.mono, at)
            future.set_result(None)
            await settle()
        self.mono = target
        await settle()

    async def sleeping(self, count: int, *, within_s: float = 5.0) -> None:
        """Wait until `count` tasks sleep on this clock: for bodies that wait on threads (SQLite), not on the loop."""
        async with asyncio.timeout(within_s):
            while sum(not f.done() for _, f in self._sleepers) < count:
                self._slept.clear()
                await self._slept.wait()


@pytest.fixture
def stepped() -> SteppedClock:
    return SteppedClock()


class Counter:
    def __init__(self, fail_first: int = 0) -> None:
        self.calls = 0
        self.fail_first = fail_first

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.fail_first:
            raise RuntimeError(f"boom {self.calls}")


# -- start and stop ----------------------------------------------------------------------------------------------


async def test_a_periodic_job_runs_at_start_then_every_interval_until_stopped(stepped):
    body = Counter()
    runner = JobRunner(stepped, backoff=EXACT)
    job = runner.every("tick", 60, body)
    async with runner:
        await settle()
        assert body.calls == 1
        await stepped.advance(59)
        assert body.calls == 1
        await stepped.advance(1)
        assert body.calls == 2
        await stepped.advance(120)
        assert body.calls == 4 and job.runs == 4
    assert job.task is not None and job.task.cancelled()
    await stepped.advance(600)
    assert body.calls == 4  # nothing runs after stop


async def test_a_long_running_job_that_returns_is_done_and_not_restarted(stepped):
    body = Counter()
    runner = JobRunner(stepped, backoff=EXACT)
    job = runner.forever("once", body)
    runner.start()
    await stepped.advance(1000)
    assert body.calls == 1 and job.runs == 1
    assert job.task is not None and job.task.done() and not job.task.cancelled()
    assert await runner.stop() == []


def test_registration_is_checked(stepped):
    runner = JobRunner(stepped)
    runner.every("a", 1, Counter())
    with pytest.raises(ValueError, match="already registered"):
        runner.forever("a", Counter())
    with pytest.raises(ValueError, match="positive"):
        runner.every("b", 0, Counter())


async def test_jobs_cannot_be_added_after_start_nor_started_twice(stepped):
    runner = JobRunner(stepped)
    async with runner:
        with pytest.raises(RuntimeError):
            runner.every("late", 1, Counter())
        with pytest.raises(RuntimeError):
            runner.start()


# -- crashes -----------------------------------------------------------------------------------------------------


async def test_a_crash_is_logged_with_the_job_name_and_retried_with_exponential_backoff(stepped, caplog):
    body = Counter(fail_first=3)
    runner = JobRunner(stepped, backoff=EXACT)
    job = runner.every("purge", 3600, body)
    with caplog.at_level(logging.ERROR, logger="bot.runtime.jobs"):
        async with runner:
            await stepped.advance(1 + 2 + 4)
            assert body.calls == 4 and job.failures == 0 and job.runs == 1
            assert stepped.slept[:4] == [1.0, 2.0, 4.0, 3600]  # backoff, then the regular interval again
    failures = [r for r in caplog.records if "'purge' failed" in r.getMessage()]
    assert [r.getMessage() for r in failures] == [
        "job 'purge' failed (1 in a row); next run in 1.0 s",
        "job 'purge' failed (2 in a row); next run in 2.0 s",
        "job 'purge' failed (3 in a row); next run in 4.0 s",
    ]
    assert all(r.exc_info and "boom" in str(r.exc_info[1]) for r in failures)


async def test_failures_are_counted_per_job_for_alerts(stepped):
    metrics = Metrics()
    runner = JobRunner(stepped, backoff=EXACT, metrics=metrics)
    runner.every("flaky", 60, Counter(fail_first=2))
    runner.every("fine", 60, Counter())
    async with runner:
        await stepped.advance(10)
    assert metrics.registry.get_sample_value("sharify_job_failures_total", {"job": "flaky"}) == 2
    assert metrics.registry.get_sample_value("sharify_job_failures_total", {"job": "fine"}) is None


async def test_the_backoff_is_capped(stepped):
    runner = JobRunner(stepped, backoff=Backoff(base_s=1, cap_s=5, jitter=0))
    runner.forever("always-failing", Counter(fail_first=100))
    async with runner:
        await stepped.advance(1 + 2 + 4 + 5 + 5)
    assert stepped.slept[:6] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


async def test_a_failing_periodic_job_never_waits_longer_than_its_interval(stepped):
    runner = JobRunner(stepped, backoff=Backoff(base_s=1, cap_s=300, jitter=0))
    runner.every("often-failing", 3, Counter(fail_first=100))
    async with runner:
        await stepped.advance(1 + 2 + 3 + 3)
    assert stepped.slept[:5] == [1.0, 2.0, 3.0, 3.0, 3.0]


async def test_a_crashed_long_running_job_is_restarted(stepped):
    started: list[float] = []

    async def follow() -> None:
        started.append(stepped.monotonic())
        await stepped.sleep(10)
        raise ConnectionError("stream closed")

    runner = JobRunner(stepped, backoff=EXACT)
    job = runner.forever("follow", follow)
    async with runner:
        await stepped.advance(10 + 1 + 10 + 2 + 5)
    assert started == [0.0, 11.0, 23.0]
    assert job.failures == 2


async def test_a_long_running_job_that_ran_longer_than_the_cap_starts_its_backoff_over(stepped):
    async def follow() -> None:
        await stepped.sleep(400)
        raise ConnectionError("stream closed")

    runner = JobRunner(stepped, backoff=EXACT)
    job = runner.forever("follow", follow)
    async with runner:
        await stepped.advance(400 + 1 + 400 + 1)
        assert job.failures == 1
    assert stepped.slept[:5] == [400, 1.0, 400, 1.0, 400]  # not 1 then 2: the backoff started over


def test_jitter_shortens_each_delay_by_at_most_its_fraction():
    backoff = Backoff(base_s=2, factor=3, cap_s=100, jitter=0.5)
    rng = random.Random(7)
    for failures, exact in [(1, 2), (2, 6), (3, 18), (4, 54), (5, 100), (9, 100)]:
        delays = {backoff.delay(failures, rng) for _ in range(50)}
        assert all(exact * 0.5 <= d <= exact for d in delays)
        assert len(delays) > 40  # spread out, so restarting replicas don't retry in step
    assert Backoff(jitter=0).delay(20, rng) == 300.0


# -- server-wide chores -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("shard_ids", "expected"), [(None, True), ([0], True), ([0, 1], True), ([1], False)])
def test_the_process_with_shard_zero_does_the_server_wide_chores(shard_ids, expected):
    assert runs_shard_zero(shard_ids) is expected


@pytest.mark.parametrize(("shard_ids", "runs"), [(None, 1), ([0], 1), ([2, 3], 0)])
async def test_a_server_wide_job_runs_only_where_the_guard_allows_it(stepped, shard_ids, runs):
    chore, local = Counter(), Counter()
    runner = JobRunner(stepped, may_run_server_wide=shard_zero_guard(shard_ids))
    runner.every("chore", 60, chore, server_wide=True)
    runner.every("local", 60, local)
    async with runner:
        await settle()
    assert (chore.calls, local.calls) == (runs, 1)


async def test_the_guard_is_asked_before_every_run(stepped):
    answers = iter([False, True, False, True])

    async def lease() -> bool:  # a lease that comes and goes, as one in the store would
        return next(answers)

    chore = Counter()
    runner = JobRunner(stepped, may_run_server_wide=lease)
    runner.every("chore", 60, chore, server_wide=True)
    async with runner:
        await stepped.advance(0)
        assert chore.calls == 0
        await stepped.advance(60)
        assert chore.calls == 1
        await stepped.advance(60)
        assert chore.calls == 1
        await stepped.advance(60)
        assert chore.calls == 2


async def test_a_failing_guard_skips_the_round_and_is_logged(stepped, caplog):
    calls = 0

    async def lease() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("store unreachable")
        return True

    chore = Counter()
    runner = JobRunner(stepped, may_run_server_wide=lease)
    runner.every("chore", 60, chore, server_wide=True)
    with caplog.at_level(logging.WARNING, logger="bot.runtime.jobs"):
        async with runner:
            await settle()
            assert chore.calls == 0
            await stepped.advance(60)
            assert chore.calls == 1
    assert any("'chore'" in r.getMessage() and "skipping" in r.getMessage() for r in caplog.records)


# -- shutdown ----------------------------------------------------------------------------------------------------


async def test_stop_cancels_a_running_body_and_waits_for_it(stepped):
    entered, cleaned_up = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        finally:
            cleaned_up.set()

    runner = JobRunner(stepped)
    job = runner.every("slow", 60, slow)
    runner.start()
    await settle()
    assert entered.is_set()
    assert await runner.stop() == []
    assert cleaned_up.is_set() and job.task is not None and job.task.cancelled()


async def test_stop_gives_up_on_a_job_that_ignores_cancellation_after_the_timeout(stepped, caplog):
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()  # keeps running past the cancellation

    runner = JobRunner(stepped, stop_timeout_s=5)
    runner.forever("stubborn", stubborn)
    runner.every("polite", 60, Counter())
    runner.start()
    await settle()
    with caplog.at_level(logging.WARNING, logger="bot.runtime.jobs"):
        stopping = asyncio.create_task(runner.stop())
        await stepped.advance(4.9)
        assert not stopping.done()
        await stepped.advance(0.1)
        assert stopping.done() and stopping.result() == ["stubborn"]
    assert any("stubborn" in r.getMessage() and "stop timeout" in r.getMessage() for r in caplog.records)
    assert runner.jobs["polite"].task is not None and runner.jobs["polite"].task.cancelled()
    release.set()
    await settle()
    assert runner.jobs["stubborn"].task is not None and runner.jobs["stubborn"].task.done()
