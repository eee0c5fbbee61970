"""Scheduled fresh mixes with a controlled clock over a real SQLite store and the in-memory catalog: the post
carries the mix and its reasons; Last.fm down is a transient failure, retried within the window and counted toward
the auto-pause; saving is once per occurrence (a retry or a second claimant reuses the playlist) and keeps the last
`keep`, the older ones in the trash with their audit events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.mixes.model import ReasonKind
from bot.domain.models import EventAction
from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.schedules.fresh import LASTFM_DOWN, MIX_TRACKS, FreshMixes, period_name
from bot.domain.schedules.models import NewSchedule, Outcome, Schedule, nonce_of, occurrence_id
from bot.domain.schedules.recurrence import Recurrence
from bot.domain.schedules.runner import Post, RunnerSettings, ScheduleRunner
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService
from tests.conftest import FakeClock
from tests.domain.mixcatalog import MixCatalog
from tests.domain.schedules.test_runner import FakeChannel, current

FRIDAY = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Paris, ISO week 49
WEEK = timedelta(days=7)
OWNER = 5


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY - timedelta(days=1))


@pytest.fixture
def fm() -> MixCatalog:
    return MixCatalog()


@pytest.fixture
def playlists(sqlite_storage: Storage, clock: FakeClock) -> PlaylistService:
    return PlaylistService(sqlite_storage, clock=clock)


@pytest.fixture
def fresh(fm: MixCatalog, sqlite_storage: Storage, playlists: PlaylistService, clock: FakeClock) -> FreshMixes:
    mixes = MixService(MusicService(fm, sqlite_storage.accounts, clock=clock), playlists, sqlite_storage)
    return FreshMixes(mixes, playlists, sqlite_storage.schedules)


async def mood(store: Storage, clock: FakeClock, *, save_as: str | None = None, keep: int = 4) -> Schedule:
    rules = Recurrence.build(every="week", at="18:00", weekday="friday", timezone="Europe/Paris")
    new = NewSchedule(
        guild_id=1, channel_id=10, what="mood", target="rainy, lo-fi", label="mood mix · rainy, lo-fi",
        every=rules.every, cron=rules.cron, timezone=rules.timezone, created_by=OWNER, created_at=clock.now(),
        next_run_at=rules.next_after(clock.now()), save_as=save_as, keep=keep,
    )  # fmt: skip
    return await store.schedules.create(new, max_per_guild=25)


def runner(store: Storage, channel: FakeChannel, clock: FakeClock, fresh: FreshMixes) -> ScheduleRunner:
    return ScheduleRunner(store.schedules, channel, clock=clock, owner="r1", settings=RunnerSettings(), mixer=fresh)


async def test_a_mood_schedule_posts_a_fresh_mix_with_reasons(sqlite_storage, clock, fresh, fm) -> None:
    s = await mood(sqlite_storage, clock)
    channel = FakeChannel()
    clock.at = FRIDAY
    assert await runner(sqlite_storage, channel, clock, fresh).tick() == 1
    (post,) = channel.sent
    assert post.fresh is not None and post.fresh.saved_name is None
    picks = post.fresh.mix.picks
    assert len(picks) == MIX_TRACKS
    assert all(r.kind is ReasonKind.TAG and r.subject in ("rainy", "lo-fi") for p in picks for r in p.reasons)
    assert (await current(sqlite_storage, s)).last_outcome is Outcome.POSTED
    # the same occurrence draws the same mix from the same answers (a retry posts what the first would have)
    again = await fresh.make(post, owner="r1")
    assert [p.track for p in again.mix.picks] == [p.track for p in picks]


async def test_last_fm_down_is_retried_within_the_window_then_counts_toward_the_pause(
    sqlite_storage, clock, fresh, fm
) -> None:
    s = await mood(sqlite_storage, clock)
    channel = FakeChannel()
    r = runner(sqlite_storage, channel, clock, fresh)
    fm.down = True
    clock.at = FRIDAY
    assert await r.tick() == 1
    got = await current(sqlite_storage, s)
    assert got.last_outcome is Outcome.RETRYING and got.last_detail == LASTFM_DOWN and got.failures == 0
    clock.advance(seconds=10)
    assert await r.tick() == 0  # backoff: not before the retry time
    fm.down = False
    clock.advance(seconds=30)
    assert await r.tick() == 1
    assert len(channel.sent) == 1 and (await current(sqlite_storage, s)).last_outcome is Outcome.POSTED
    # down for three whole occurrences: each a failed occurrence, the third pauses the schedule
    fm.down = True
    for week in range(1, 4):
        clock.at = FRIDAY + week * WEEK
        tries = 0
        while (got := await current(sqlite_storage, s)).failures < week and tries < 30:
            tries += await r.tick()
            clock.advance(minutes=5)  # the backoff doubles: a few tries fit in the hour's window
        assert got.failures == week and got.last_outcome is Outcome.FAILED and got.last_detail == LASTFM_DOWN
        assert 2 < tries < 10
    assert got.paused and "Last.fm" in (got.paused_reason or "")
    assert len(channel.sent) == 1


async def test_a_saved_mix_is_made_once_per_occurrence_even_by_a_second_claimant(
    sqlite_storage, clock, fresh, playlists
) -> None:
    s = await mood(sqlite_storage, clock, save_as="Friday mix")
    clock.at = FRIDAY
    # claimant "dead" made and saved the mix, then stopped before posting
    (claimed,) = await sqlite_storage.schedules.claim(
        now=FRIDAY, owner="dead", lease_until=FRIDAY + timedelta(minutes=2), limit=1
    )
    key = occurrence_id(s.id, FRIDAY)
    first = await fresh.make(Post(claimed, FRIDAY, key, nonce_of(key)), owner="dead")
    assert first.saved_name == "Friday mix 2026-W49"
    # its lease expires; the next claimant posts, saving under the same name, into the same playlist
    channel = FakeChannel()
    clock.at = FRIDAY + timedelta(minutes=3)
    assert await runner(sqlite_storage, channel, clock, fresh).tick() == 1
    (post,) = channel.sent
    assert post.fresh is not None and post.fresh.saved_name == "Friday mix 2026-W49"
    live = await playlists.playlists(1)
    assert [p.name for p in live] == ["Friday mix 2026-W49"] and live[0].track_count == MIX_TRACKS
    assert (await current(sqlite_storage, s)).saved == (live[0].id,)


async def test_a_playlist_made_but_not_filled_is_filled_by_the_retry(sqlite_storage, clock, fresh, playlists) -> None:
    s = await mood(sqlite_storage, clock, save_as="Friday mix")
    await sqlite_storage.schedules.claim(now=FRIDAY, owner="dead", lease_until=FRIDAY + timedelta(minutes=2), limit=1)
    name = await sqlite_storage.schedules.reserve_save(s.id, owner="dead", occurrence=FRIDAY, name="Mix 2026-W49")
    await playlists.create(Actor(1, OWNER, manage_guild=True), name or "")  # stopped before adding the tracks
    clock.at = FRIDAY + timedelta(minutes=3)
    assert await runner(sqlite_storage, FakeChannel(), clock, fresh).tick() == 1
    (only,) = await playlists.playlists(1)
    assert only.name == "Mix 2026-W49" and only.track_count == MIX_TRACKS  # the reserved name, now filled


async def test_five_occurrences_keep_two_and_trash_three_with_audit_events(
    sqlite_storage, clock, fresh, playlists
) -> None:
    s = await mood(sqlite_storage, clock, save_as="Friday mix", keep=2)
    channel = FakeChannel()
    r = runner(sqlite_storage, channel, clock, fresh)
    for week in range(5):
        clock.at = FRIDAY + week * WEEK
        assert await r.tick() == 1
    assert [p.fresh.saved_name for p in channel.sent if p.fresh] == [
        f"Friday mix 2026-W{w}" for w in (49, 50, 51, 52, 53)
    ]
    live = await playlists.playlists(1)
    trash = await playlists.playlists(1, trash=True)
    assert [p.name for p in live] == ["Friday mix 2026-W52", "Friday mix 2026-W53"]
    assert sorted(p.name for p in trash) == [f"Friday mix 2026-W{w}" for w in (49, 50, 51)]
    assert (await current(sqlite_storage, s)).saved == tuple(p.id for p in live)
    deletes = [e for e in await sqlite_storage.events.list(1, limit=100) if e.action is EventAction.DELETE]
    assert len(deletes) == 3 and all(e.actor_id == OWNER for e in deletes)
    await playlists.restore(Actor(1, OWNER, manage_guild=True), "Friday mix 2026-W49")  # restorable


async def test_a_run_now_in_the_same_week_saves_under_its_own_name(sqlite_storage, clock, fresh, playlists) -> None:
    s = await mood(sqlite_storage, clock, save_as="Friday mix")
    await sqlite_storage.schedules.reschedule(1, s.id, next_run_at=FRIDAY - timedelta(hours=3))
    clock.at = FRIDAY - timedelta(hours=3)
    channel = FakeChannel()
    r = runner(sqlite_storage, channel, clock, fresh)
    assert await r.tick() == 1
    clock.at = FRIDAY
    assert await r.tick() == 1
    names = [p.fresh.saved_name for p in channel.sent if p.fresh]
    assert names == ["Friday mix 2026-W49", "Friday mix 2026-W49 18:00"]


def test_the_saved_name_follows_the_recurrence() -> None:
    def schedule(**kw: object) -> Schedule:
        rules = Recurrence.build(timezone="Europe/Paris", **kw)  # type: ignore[arg-type]
        return Schedule(
            id="x", guild_id=1, channel_id=1, what="mood", target="a", label="a", every=rules.every, cron=rules.cron,
            timezone=rules.timezone, created_by=1, created_at=FRIDAY, next_run_at=FRIDAY,
        )  # fmt: skip

    at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027-01-01 in Paris
    assert period_name("Mix", schedule(every="week", at="00:30", weekday="friday"), at) == "Mix 2026-W53"
    assert period_name("Mix", schedule(every="month", at="00:30", day=1), at) == "Mix 2027-01"
    assert period_name("Mix", schedule(every="day", at="00:30"), at) == "Mix 2027-01-01"
    assert period_name("Mix", schedule(every=None, at=None, cron="30 0 * * *"), at) == "Mix 2027-01-01"
    assert period_name("Mix", schedule(every=None, at=None, cron="30 */6 * * *"), at) == "Mix 2027-01-01 00:30"
