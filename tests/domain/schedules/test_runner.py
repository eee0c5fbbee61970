"""The runner with a controlled clock over a real SQLite store: on time, catch-up and skip after downtime, retries
of transient failures within the window, failure counting and auto-pause, two runners and a crashed claimant."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.ports.storage import Storage
from bot.domain.schedules.models import NewSchedule, Outcome, Schedule, nonce_of, occurrence_id
from bot.domain.schedules.recurrence import Recurrence
from bot.domain.schedules.runner import Post, PostError, RunnerSettings, ScheduleRunner
from tests.conftest import FakeClock

FRIDAY = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Paris
WEEK = timedelta(days=7)


class FakeChannel:
    """A poster that keeps messages by occurrence and can be told to fail."""

    def __init__(self) -> None:
        self.messages: dict[str, int] = {}  # occurrence id -> message id
        self.sent: list[Post] = []
        self.failures: list[PostError] = []
        self.finds = 0

    async def find(self, post: Post) -> int | None:
        self.finds += 1
        return self.messages.get(post.occurrence_id)

    async def send(self, post: Post) -> int:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(post)
        self.messages[post.occurrence_id] = len(self.sent)
        return len(self.sent)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY - timedelta(days=1))


@pytest.fixture
async def schedule(sqlite_storage: Storage, clock: FakeClock) -> AsyncIterator[Schedule]:
    rules = Recurrence.build(every="week", at="18:00", weekday="friday", timezone="Europe/Paris")
    new = NewSchedule(
        guild_id=1,
        channel_id=10,
        what="playlist",
        target="a" * 24,
        label="friday",
        every=rules.every,
        cron=rules.cron,
        timezone=rules.timezone,
        created_by=5,
        created_at=clock.now(),
        next_run_at=rules.next_after(clock.now()),
    )
    yield await sqlite_storage.schedules.create(new, max_per_guild=25)


def runner(
    store: Storage, channel: FakeChannel, clock: FakeClock, owner: str = "r1", **settings: object
) -> ScheduleRunner:
    return ScheduleRunner(store.schedules, channel, clock=clock, owner=owner, settings=RunnerSettings(**settings))  # type: ignore[arg-type]


async def current(store: Storage, schedule: Schedule) -> Schedule:
    got = await store.schedules.get(schedule.guild_id, schedule.id)
    assert got is not None
    return got


async def test_posts_at_the_time_and_moves_to_next_week(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    r = runner(sqlite_storage, channel, clock)
    assert schedule.next_run_at == FRIDAY
    clock.at = FRIDAY - timedelta(seconds=1)
    assert await r.tick() == 0 and channel.sent == []
    clock.at = FRIDAY
    assert await r.tick() == 1
    (post,) = channel.sent
    assert post.occurrence_id == occurrence_id(schedule.id, FRIDAY) and post.nonce == nonce_of(post.occurrence_id)
    assert len(post.nonce) <= 25
    after = await current(sqlite_storage, schedule)
    assert (after.next_run_at, after.last_outcome, after.last_message_id, after.lease_owner) == (
        FRIDAY + WEEK,
        Outcome.POSTED,
        1,
        None,
    )
    assert await r.tick() == 0 and len(channel.sent) == 1


async def test_missed_by_less_than_the_grace_window_is_posted_once_on_start(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    clock.at = FRIDAY + timedelta(minutes=40)  # down at 18:00, back at 18:40
    r = runner(sqlite_storage, channel, clock)
    assert await r.tick() == 1 and await r.tick() == 0
    assert [p.occurrence for p in channel.sent] == [FRIDAY]


async def test_older_occurrences_are_recorded_as_skipped_and_the_latest_within_the_window_posted(
    sqlite_storage, schedule, clock
) -> None:
    channel = FakeChannel()
    clock.at = FRIDAY + 2 * WEEK + timedelta(minutes=30)  # down for two weeks; the third Friday was 30 min ago
    r = runner(sqlite_storage, channel, clock)
    await r.tick()
    skipped = await current(sqlite_storage, schedule)
    assert (skipped.last_outcome, skipped.last_run_at) == (Outcome.SKIPPED, FRIDAY)
    assert skipped.next_run_at == FRIDAY + 2 * WEEK  # the one inside the window: due now
    await r.tick()
    assert [p.occurrence for p in channel.sent] == [FRIDAY + 2 * WEEK]


async def test_missed_by_more_than_the_window_is_skipped_entirely(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    clock.at = FRIDAY + timedelta(hours=3)
    r = runner(sqlite_storage, channel, clock)
    await r.tick()
    assert await r.tick() == 0
    after = await current(sqlite_storage, schedule)
    assert channel.sent == [] and after.last_outcome is Outcome.SKIPPED and after.next_run_at == FRIDAY + WEEK


async def test_a_transient_failure_is_retried_with_backoff_within_the_window(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    channel.failures = [PostError("Discord 503", transient=True), PostError("429", transient=True)]
    clock.at = FRIDAY
    r = runner(sqlite_storage, channel, clock)
    await r.tick()
    held = await current(sqlite_storage, schedule)
    assert (held.last_outcome, held.next_run_at, held.lease_until) == (
        Outcome.RETRYING,
        FRIDAY,
        FRIDAY + timedelta(seconds=30),
    )
    clock.at += timedelta(seconds=29)
    assert await r.tick() == 0
    clock.at += timedelta(seconds=1)
    await r.tick()  # second failure: waits twice as long
    assert (await current(sqlite_storage, schedule)).lease_until == clock.at + timedelta(seconds=60)
    clock.at += timedelta(seconds=60)
    await r.tick()
    after = await current(sqlite_storage, schedule)
    assert [p.occurrence for p in channel.sent] == [FRIDAY]
    assert (after.last_outcome, after.failures, after.next_run_at) == (Outcome.POSTED, 0, FRIDAY + WEEK)
    assert channel.finds == 2  # each retry first looked for an earlier post


async def test_three_failed_occurrences_in_a_row_pause_the_schedule_and_say_why(
    sqlite_storage, schedule, clock
) -> None:
    channel = FakeChannel()
    r = runner(sqlite_storage, channel, clock)
    for week in range(3):
        channel.failures = [PostError("the channel was deleted", transient=False)]
        clock.at = FRIDAY + week * WEEK
        await r.tick()
        after = await current(sqlite_storage, schedule)
        assert (after.failures, after.last_outcome, after.paused) == (week + 1, Outcome.FAILED, week == 2)
    assert after.paused_reason is not None and "3 failed posts" in after.paused_reason
    assert "the channel was deleted" in after.paused_reason
    clock.at = FRIDAY + 3 * WEEK
    assert await r.tick() == 0  # paused: not claimed


async def test_a_success_resets_the_failures_in_a_row(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    r = runner(sqlite_storage, channel, clock)
    for week, fail in enumerate([True, True, False, True, True]):
        channel.failures = [PostError("Missing Permissions", transient=False)] if fail else []
        clock.at = FRIDAY + week * WEEK
        await r.tick()
    after = await current(sqlite_storage, schedule)
    assert (after.failures, after.paused) == (2, False)


async def test_transient_failures_until_the_window_closes_count_as_one_failed_occurrence(
    sqlite_storage, schedule, clock
) -> None:
    channel = FakeChannel()
    channel.failures = [PostError("Discord 502", transient=True) for _ in range(20)]
    clock.at = FRIDAY
    r = runner(sqlite_storage, channel, clock)
    for _ in range(20):
        got = await current(sqlite_storage, schedule)
        if got.next_run_at != FRIDAY:
            break
        clock.at = max(clock.at, got.lease_until or clock.at)
        await r.tick()
    after = await current(sqlite_storage, schedule)
    assert (after.last_outcome, after.failures, after.next_run_at) == (Outcome.FAILED, 1, FRIDAY + WEEK)
    assert channel.sent == []


async def test_a_claimant_that_died_before_posting_is_replaced_after_its_lease(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    clock.at = FRIDAY
    (_claimed,) = await sqlite_storage.schedules.claim(
        now=FRIDAY, owner="dead", lease_until=FRIDAY + timedelta(minutes=2), limit=1
    )
    other = runner(sqlite_storage, channel, clock, owner="alive")
    assert await other.tick() == 0
    clock.at = FRIDAY + timedelta(minutes=2)
    assert await other.tick() == 1
    assert [p.occurrence for p in channel.sent] == [FRIDAY] and channel.finds == 1


async def test_a_claimant_that_died_after_posting_is_not_posted_twice(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    clock.at = FRIDAY
    dying = runner(sqlite_storage, channel, clock, owner="dying")
    (claimed,) = await sqlite_storage.schedules.claim(
        now=FRIDAY, owner="dying", lease_until=FRIDAY + timedelta(minutes=2), limit=1
    )
    await channel.send(Post(claimed, FRIDAY, occurrence_id(claimed.id, FRIDAY), "n"))  # posted, then the process died
    del dying
    clock.at = FRIDAY + timedelta(minutes=3)
    assert await runner(sqlite_storage, channel, clock, owner="next").tick() == 1
    after = await current(sqlite_storage, schedule)
    assert len(channel.sent) == 1 and after.last_outcome is Outcome.FOUND and after.next_run_at == FRIDAY + WEEK


async def test_two_runners_share_many_due_schedules_without_duplicates(sqlite_storage, schedule, clock) -> None:
    for i in range(39):
        await sqlite_storage.schedules.create(schedule.model_copy(update={"label": f"s{i}"}), max_per_guild=100)
    channel = FakeChannel()
    clock.at = FRIDAY
    a, b = (
        runner(sqlite_storage, channel, clock, owner="a", batch=5),
        runner(sqlite_storage, channel, clock, owner="b", batch=5),
    )
    while await sqlite_storage.schedules.due(now=clock.at):
        await asyncio.gather(a.tick(), b.tick())
    ids = [p.occurrence_id for p in channel.sent]
    assert len(ids) == len(set(ids)) == 40
    assert a.posted > 0 and b.posted > 0 and a.posted + b.posted == 40


async def test_stop_releases_claims_it_did_not_start(sqlite_storage, schedule, clock) -> None:
    channel = FakeChannel()
    clock.at = FRIDAY
    r = runner(sqlite_storage, channel, clock)
    await r.stop()
    assert await r.tick() == 0
    # a claim handed over unstarted at stop is released for others at once
    await sqlite_storage.schedules.claim(now=FRIDAY, owner="r1", lease_until=FRIDAY + timedelta(minutes=2), limit=1)
    await r._handle_all([await current(sqlite_storage, schedule)])
    got = await current(sqlite_storage, schedule)
    assert got.lease_owner is None and got.lease_until is None and channel.sent == []


class SlowChannel(FakeChannel):
    """A poster whose sends wait until the test lets them through."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()
        self.waiting = 0

    async def send(self, post: Post) -> int:
        self.waiting += 1
        await self.open.wait()
        return await super().send(post)


async def test_run_keeps_several_batches_in_flight_and_stop_lets_them_finish(sqlite_storage, schedule, clock) -> None:
    for n in range(4):
        await sqlite_storage.schedules.create(schedule.model_copy(update={"label": f"s{n}"}), max_per_guild=25)
    channel = SlowChannel()
    clock.at = FRIDAY
    r = runner(sqlite_storage, channel, clock, batch=1, batches=2, poll_s=0.01)
    task = asyncio.create_task(r.run())
    async with asyncio.timeout(5):
        while channel.waiting < 2:  # noqa: ASYNC110 - waiting for the runner's own tasks
            await asyncio.sleep(0)
    await asyncio.sleep(0.05)
    assert channel.waiting == 2  # two one-schedule batches at once; the third waits for a free place
    stopping = asyncio.create_task(r.stop())
    await asyncio.sleep(0.05)
    assert not task.done()  # the posts in flight are not cut off
    channel.open.set()
    await stopping
    async with asyncio.timeout(5):
        await task
    assert len(channel.sent) == 2
    left = [s for s in await sqlite_storage.schedules.list(1) if s.last_outcome is None]
    assert len(left) == 3 and all(s.lease_owner is None for s in left)  # the rest stay free for others
