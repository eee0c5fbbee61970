"""Admission: a cap on work in flight, expired interactions dropped before any work, adaptive LIFO, drain."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.runtime.admission import Admission
from bot.runtime.metrics import Metrics
from tests.conftest import FakeClock


def shed(metrics: Metrics, reason: str) -> float:
    return metrics.registry.get_sample_value("sharify_interactions_shed_total", {"reason": reason}) or 0.0


async def test_an_interaction_past_its_budget_is_shed_before_any_work(clock: FakeClock) -> None:
    metrics = Metrics()
    admission = Admission(clock, metrics=metrics)
    assert await admission.admit(clock.now() - timedelta(seconds=1.9))  # 1.1 s left: enough
    admission.release()
    assert not await admission.admit(clock.now() - timedelta(seconds=2.1))  # 0.9 s left: too late to start
    assert shed(metrics, "expired") == 1 and admission.in_flight == 0


async def test_at_most_max_in_flight_run_and_the_rest_wait(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=2)
    assert await admission.admit(clock.now())
    assert await admission.admit(clock.now())
    third = asyncio.create_task(admission.admit(clock.now()))
    await asyncio.sleep(0)
    assert not third.done() and admission.waiting == 1
    admission.release()
    assert await third and admission.in_flight == 2


async def test_waiting_work_that_expires_is_dropped_and_the_newest_is_served_first_when_behind(
    clock: FakeClock,
) -> None:
    metrics = Metrics()
    admission = Admission(clock, max_in_flight=1, metrics=metrics)
    assert await admission.admit(clock.now())
    oldest = asyncio.create_task(admission.admit(clock.now()))
    clock.advance(seconds=0.8)
    older = asyncio.create_task(admission.admit(clock.now()))
    clock.advance(seconds=0.8)
    newest = asyncio.create_task(admission.admit(clock.now()))
    await asyncio.sleep(0)
    clock.advance(seconds=0.6)  # oldest is now 2.2 s old: out of reach; older 1.4 s; newest 0.6 s
    admission.release()
    assert await oldest is False and shed(metrics, "expired") == 1
    assert await newest is True and not older.done()  # behind: newest first, so it still makes its deadline
    admission.release()
    assert await older is True


async def test_in_order_while_keeping_up(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=1)
    assert await admission.admit(clock.now())
    first = asyncio.create_task(admission.admit(clock.now()))
    await asyncio.sleep(0)
    second = asyncio.create_task(admission.admit(clock.now()))
    await asyncio.sleep(0)
    admission.release()
    assert await first is True and not second.done()
    admission.release()
    assert await second is True


async def test_close_sheds_the_waiting_and_later_ones_and_drain_waits_for_the_running(clock: FakeClock) -> None:
    metrics = Metrics()
    admission = Admission(clock, max_in_flight=1, metrics=metrics)
    assert await admission.admit(clock.now())
    waiting = asyncio.create_task(admission.admit(clock.now()))
    await asyncio.sleep(0)
    admission.close()
    assert await waiting is False
    assert not await admission.admit(clock.now())
    assert shed(metrics, "shutdown") == 2

    async def finish_later() -> None:
        await asyncio.sleep(0)
        admission.release()
        admission.finish()

    task = asyncio.create_task(finish_later())
    assert await admission.drain(10.0) == 0
    await task


async def test_drain_gives_up_after_its_timeout(clock: FakeClock) -> None:
    admission = Admission(clock)
    assert await admission.admit(clock.now())
    admission.close()
    assert await admission.drain(5.0) == 1  # the fake clock's sleep returns at once: the timeout elapsed
    assert clock.monotonic() == pytest.approx(5.0)


async def test_a_cancelled_waiter_leaves_the_queue(clock: FakeClock) -> None:
    admission = Admission(clock, max_in_flight=1)
    assert await admission.admit(clock.now())
    waiter = asyncio.create_task(admission.admit(clock.now()))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert admission.waiting == 0
    admission.release()
    assert admission.in_flight == 0


async def test_the_slot_goes_back_at_the_first_response_and_the_drain_still_waits_for_the_work(
    clock: FakeClock,
) -> None:
    admission = Admission(clock, max_in_flight=1)
    assert await admission.admit(clock.now())  # a command that deferred and now waits for Last.fm
    admission.release()  # its first response is out
    assert await admission.admit(clock.now())  # the next one starts at once, no waiting behind the slow one
    assert (admission.in_flight, admission.running) == (1, 2)
    admission.release()
    admission.finish()
    admission.close()

    async def slow_one_ends() -> None:
        await asyncio.sleep(0)
        admission.finish()

    task = asyncio.create_task(slow_one_ends())
    assert await admission.drain(10.0) == 0 and admission.running == 0
    await task
