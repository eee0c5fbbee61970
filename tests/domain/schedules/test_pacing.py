"""The post pacer on a controlled clock: the process's share of the global rate, evenly spaced; per channel at most
a few posts in any window; waiters go in the order they asked and never block the event loop."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.schedules.pacing import PostPacer, Spacing, Window, process_rate
from tests.conftest import FakeClock


class SleepLog(FakeClock):
    """A FakeClock whose sleeps are recorded and yield to the loop (time moves only when a test moves it)."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


def test_spacing_hands_out_evenly_spaced_slots() -> None:
    spacing = Spacing(25.0)
    waits = [spacing.reserve(10.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.04, 0.08, 0.12, 0.16])
    assert spacing.reserve(11.0) == 0.0  # idle long enough: no wait


def test_a_window_never_holds_more_than_its_limit() -> None:
    window = Window(5, 5.0)
    slots = [t + window.reserve(t) for t in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 3.0, 9.0)]
    assert slots[:5] == [0.0, 0.1, 0.2, 0.3, 0.4]  # a burst of five goes at once
    assert slots[5:8] == pytest.approx([5.0, 5.1, 5.2])  # the sixth waits until the first left the window
    for start in slots:
        assert sum(start <= s < start + 5.0 for s in slots) <= 5


async def test_the_pacer_spaces_the_global_rate_with_headroom_and_channels_apart() -> None:
    clock = SleepLog()
    pacer = PostPacer(clock, rate=20.0, channel_posts=2, channel_window_s=5.0, headroom=0.5)  # 10 a second
    for _ in range(3):
        await pacer.turn()
    assert clock.sleeps == pytest.approx([0.1, 0.2])
    clock.sleeps.clear()
    clock.advance(seconds=10)
    await pacer.turn(7)
    await pacer.turn(7)
    clock.advance(seconds=1)
    await pacer.turn(8)  # another channel: only the global spacing
    assert clock.sleeps == pytest.approx([0.1])
    clock.sleeps.clear()
    await pacer.turn(7)  # the third in channel 7 within 5 s waits for the window
    assert clock.sleeps[0] == pytest.approx(4.0)


async def test_waiters_do_not_block_the_loop_and_keep_their_order() -> None:
    clock = SleepLog()  # all five ask at the same instant
    pacer = PostPacer(clock, rate=10.0, headroom=1.0)
    order: list[int] = []
    gate = asyncio.Event()

    async def post(n: int) -> None:
        await gate.wait()
        await pacer.turn()
        order.append(n)

    tasks = [asyncio.create_task(post(n)) for n in range(5)]
    gate.set()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.3, 0.4])  # each its own slot, reserved at once


def test_each_process_takes_its_shards_share() -> None:
    assert process_rate(50.0, None, None) == 50.0
    assert process_rate(50.0, 1, 2) == 25.0
    assert process_rate(50.0, 2, 8) == 12.5
    with pytest.raises(ValueError, match="positive"):
        PostPacer(FakeClock(), rate=0)
