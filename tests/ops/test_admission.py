"""Admission: a cap on work in flight, interactions that cannot meet their deadline dropped before any work, a
bounded queue served newest first when behind, the slot back at the first response, drain."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from bot.runtime.admission import DEFAULT_RESERVE_S, MAX_NEEDED_S, SERVICE_MARGIN, Admission, Ticket
from bot.runtime.metrics import Metrics
from tests.conftest import FakeClock


def shed(metrics: Metrics, reason: str) -> float:
    return metrics.registry.get_sample_value("sharify_interactions_shed_total", {"reason": reason}) or 0.0


@dataclass
class Job:
    """Stands for one interaction: records whether it was started (and its ticket) or shed (and why)."""

    name: str
    log: list[str] = field(default_factory=list)
    ticket: Ticket | None = None
    reason: str | None = None

    def start(self, ticket: Ticket) -> None:
        self.ticket = ticket
        self.log.append(self.name)

    def shed(self, reason: str) -> None:
        self.reason = reason


def ago(clock: FakeClock, seconds: float) -> datetime:
    return clock.now() - timedelta(seconds=seconds)


async def test_an_interaction_that_cannot_meet_its_deadline_is_shed_before_any_work(clock: FakeClock) -> None:
    metrics = Metrics()
    admission = Admission(clock, metrics=metrics)
    fresh, late = Job("fresh"), Job("late")
    admission.submit(ago(clock, 3.0 - DEFAULT_RESERVE_S - 0.1), fresh)  # 0.6 s left: enough while idle
    admission.submit(ago(clock, 3.0 - DEFAULT_RESERVE_S + 0.1), late)  # 0.4 s left: too late to start
    assert fresh.ticket is not None and late.ticket is None and late.reason == "expired"
    assert shed(metrics, "expired") == 1 and admission.shed_counts == {"expired": 1}


def respond_in(admission: Admission, clock: FakeClock, seconds: list[float]) -> None:
    """Run one interaction after another, each taking its time from `seconds` to its first response."""
    for taken in seconds:
        job = Job("timed")
        admission.submit(clock.now(), job)
        assert job.ticket is not None
        clock.advance(seconds=taken)
        job.ticket.responded()
        job.ticket.done()


async def test_the_time_left_must_cover_the_observed_time_to_a_first_response(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=1)
    respond_in(admission, clock, [0.3, 0.9] * 40)  # first responses take 0.6 s, give or take 0.3 s
    assert admission.service_s == pytest.approx(0.6, abs=0.1)
    needed = admission.needed_s()  # the average plus four deviations: well above the fixed reserve
    assert 1.2 < needed < MAX_NEEDED_S and needed > SERVICE_MARGIN * 0.2
    kept, dropped = Job("kept"), Job("dropped")
    admission.submit(ago(clock, 3.0 - needed - 0.1), kept)
    kept.ticket.done()  # type: ignore[union-attr]
    admission.submit(ago(clock, 3.0 - needed + 0.1), dropped)
    assert kept.reason is None and dropped.reason == "expired"


async def test_a_steady_time_to_first_response_needs_no_more_than_the_reserve(clock: FakeClock) -> None:
    admission = Admission(clock)
    respond_in(admission, clock, [0.3] * 80)
    assert admission.needed_s() == DEFAULT_RESERVE_S  # no deviation: no margin on top of the reserve


async def test_a_slow_spell_never_shuts_out_a_fresh_interaction(clock: FakeClock) -> None:
    admission = Admission(clock)
    respond_in(admission, clock, [0.5, 2.5] * 40)  # more than the whole deadline, with the deviation
    assert admission.needed_s() == MAX_NEEDED_S and admission.in_flight == 0
    fresh = Job("fresh")
    admission.submit(ago(clock, 0.9), fresh)
    assert fresh.ticket is not None


async def test_at_most_max_in_flight_run_and_the_rest_wait_without_a_task(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=2)
    a, b, c = Job("a"), Job("b"), Job("c")
    for job in (a, b, c):
        admission.submit(clock.now(), job)
    assert (admission.in_flight, admission.waiting) == (2, 1) and c.ticket is None
    a.ticket.responded()  # type: ignore[union-attr]
    assert c.ticket is not None and admission.waiting == 0


async def test_when_behind_the_newest_is_served_and_the_old_expire_unstarted(clock: FakeClock) -> None:
    metrics = Metrics()
    admission = Admission(clock, max_in_flight=1, metrics=metrics)
    order: list[str] = []
    running = Job("running", order)
    admission.submit(clock.now(), running)
    old = [Job(f"old{i}", order) for i in range(5)]
    for job in old:
        admission.submit(clock.now(), job)
    clock.advance(seconds=1.0)  # the queue's head has waited past lifo_after_s: behind
    newest = Job("newest", order)
    admission.submit(clock.now(), newest)
    running.ticket.done()  # type: ignore[union-attr]
    assert order == ["running", "newest"]  # the newest did not wait behind the five older ones
    clock.advance(seconds=2.0)  # the older ones can no longer be answered in time
    newest.ticket.done()  # type: ignore[union-attr]
    assert order == ["running", "newest"] and all(job.reason == "expired" for job in old)
    assert shed(metrics, "expired") == 5 and admission.waiting == 0 and admission.in_flight == 0
    later = Job("later", order)
    admission.submit(clock.now(), later)
    assert order[-1] == "later"  # the next one starts at once


async def test_in_order_while_keeping_up(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=1)
    order: list[str] = []
    jobs = [Job(name, order) for name in ("a", "b", "c")]
    for job in jobs:
        admission.submit(clock.now(), job)
    jobs[0].ticket.done()  # type: ignore[union-attr]
    jobs[1].ticket.done()  # type: ignore[union-attr]
    assert order == ["a", "b", "c"]


async def test_the_queue_is_bounded_and_sheds_its_oldest_entry(clock: FakeClock) -> None:
    metrics = Metrics()
    admission = Admission(clock, max_in_flight=1, max_waiting=2, metrics=metrics)
    running, first, second, third = (Job(n) for n in ("running", "first", "second", "third"))
    for job in (running, first, second, third):
        admission.submit(clock.now(), job)
    assert first.reason == "overflow" and second.reason is None and third.reason is None
    assert admission.waiting == 2 and shed(metrics, "overflow") == 1


async def test_work_that_ends_at_once_lets_the_whole_queue_through_without_recursion(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=1, max_waiting=5000)
    blocker = Job("blocker")
    admission.submit(clock.now(), blocker)

    class Instant(Job):
        def start(self, ticket: Ticket) -> None:
            super().start(ticket)
            ticket.done()  # e.g. a button on a message whose view is gone: nothing to run

    order: list[str] = []
    for i in range(3000):
        admission.submit(clock.now(), Instant(str(i), order))
    blocker.ticket.done()  # type: ignore[union-attr]
    assert len(order) == 3000 and admission.running == 0 and admission.waiting == 0


async def test_close_sheds_the_waiting_and_later_ones_and_drain_waits_for_the_running(clock: FakeClock) -> None:
    metrics = Metrics()
    admission = Admission(clock, max_in_flight=1, metrics=metrics)
    running, waiting, later = Job("running"), Job("waiting"), Job("later")
    admission.submit(clock.now(), running)
    admission.submit(clock.now(), waiting)
    admission.close()
    admission.submit(clock.now(), later)
    assert waiting.reason == "shutdown" and later.reason == "shutdown" and shed(metrics, "shutdown") == 2

    async def finish_later() -> None:
        await asyncio.sleep(0)
        running.ticket.done()  # type: ignore[union-attr]

    task = asyncio.create_task(finish_later())
    assert await admission.drain(10.0) == 0
    await task


async def test_drain_gives_up_after_its_timeout(clock: FakeClock) -> None:
    admission = Admission(clock)
    admission.submit(clock.now(), Job("stuck"))
    admission.close()
    assert await admission.drain(5.0) == 1


async def test_the_slot_goes_back_at_the_first_response_and_the_drain_still_waits_for_the_work(
    clock: FakeClock,
) -> None:
    admission = Admission(clock, max_in_flight=1)
    slow, next_one = Job("slow"), Job("next")
    admission.submit(clock.now(), slow)  # a command that deferred and now waits for Last.fm
    slow.ticket.responded()  # type: ignore[union-attr]  # its first response is out
    admission.submit(clock.now(), next_one)  # starts at once, no waiting behind the slow one
    assert next_one.ticket is not None and (admission.in_flight, admission.running) == (1, 2)
    next_one.ticket.done()
    slow.ticket.responded()  # type: ignore[union-attr]  # idempotent: frees nothing twice
    assert admission.in_flight == 0
    admission.close()

    async def slow_one_ends() -> None:
        await asyncio.sleep(0)
        slow.ticket.done()  # type: ignore[union-attr]

    task = asyncio.create_task(slow_one_ends())
    assert await admission.drain(10.0) == 0 and admission.running == 0
    await task
