"""The schedule service: managers only, channel checks, limits, validation, pause/resume/run-now, preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import Forbidden, InvalidInput, LimitExceeded, NotFound
from bot.domain.permissions import Actor
from bot.domain.schedules.service import ChannelAccess, ScheduleLimits, ScheduleService
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService
from tests.conftest import FakeClock
from tests.domain.mixcatalog import MixCatalog

MANAGER = Actor(guild_id=1, user_id=11, manage_guild=True)
MEMBER = Actor(guild_id=1, user_id=12)
OTHER_MANAGER = Actor(guild_id=2, user_id=13, manage_guild=True)
OK = ChannelAccess(channel_id=100, in_guild=True, is_text=True, can_view=True, can_send=True, can_embed=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # a Tuesday


@pytest.fixture
async def service(sqlite_storage, clock) -> ScheduleService:
    playlists = PlaylistService(sqlite_storage, clock=clock)
    await playlists.create(MANAGER, "Friday Mix")
    return ScheduleService(
        sqlite_storage.schedules, sqlite_storage.guilds, playlists, limits=ScheduleLimits(max_per_guild=3), clock=clock
    )


async def weekly(service: ScheduleService, actor: Actor = MANAGER, **extra: object):
    options: dict[str, object] = {"every": "week", "at": "18:00", "weekday": "friday", **extra}
    return await service.add(actor, what="friday mix", channel=OK, **options)  # type: ignore[arg-type]


async def test_a_manager_schedules_a_playlist_in_the_servers_time_zone(service) -> None:
    assert await service.timezone_of(1) == "UTC"
    assert await service.set_timezone(MANAGER, "Europe/Paris") == "Europe/Paris"
    made = await weekly(service)
    assert (made.label, made.what, made.timezone, made.cron) == ("Friday Mix", "playlist", "Europe/Paris", "0 18 * * 5")
    assert made.next_run_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert (await weekly(service, timezone="Asia/Tokyo")).next_run_at == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


async def test_only_managers_change_schedules_or_the_time_zone(service) -> None:
    with pytest.raises(Forbidden):
        await weekly(service, MEMBER)
    made = await weekly(service)
    for change in (service.pause, service.resume, service.remove, service.run_now):
        with pytest.raises(Forbidden):
            await change(MEMBER, made.id)
    with pytest.raises(Forbidden):
        await service.set_timezone(MEMBER, "Europe/Paris")
    with pytest.raises(NotFound):  # another server's manager can't reach it
        await service.pause(OTHER_MANAGER, made.id)


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        (ChannelAccess(1, in_guild=False, is_text=True, can_view=True, can_send=True, can_embed=True), "this server"),
        (ChannelAccess(1, in_guild=True, is_text=False, can_view=True, can_send=True, can_embed=True), "text channel"),
        (ChannelAccess(1, in_guild=True, is_text=True, can_view=False, can_send=True, can_embed=True), "View Channel"),
        (ChannelAccess(1, in_guild=True, is_text=True, can_view=True, can_send=False, can_embed=True), "Send Messages"),
        (ChannelAccess(1, in_guild=True, is_text=True, can_view=True, can_send=True, can_embed=False), "Embed Links"),
    ],
)
async def test_the_channel_is_checked_at_creation(service, channel, message) -> None:
    with pytest.raises((InvalidInput, Forbidden), match=message):
        await service.add(MANAGER, what="friday mix", channel=channel, every="day", at="18:00")
    assert await service.list(1) == []


async def test_more_often_than_hourly_is_refused_and_hourly_is_fine(service) -> None:
    with pytest.raises(InvalidInput, match="once every hour"):
        await service.add(MANAGER, what="friday mix", channel=OK, cron="*/30 * * * *")
    made = await service.add(MANAGER, what="friday mix", channel=OK, cron="0 * * * *")
    assert made.every.value == "cron"


async def test_the_per_server_limit(service) -> None:
    for _ in range(3):
        await weekly(service)
    with pytest.raises(LimitExceeded):
        await weekly(service)


async def test_an_unknown_playlist_or_a_mix_without_the_mix_service(service) -> None:
    with pytest.raises(NotFound, match="no playlist"):
        await service.add(MANAGER, what="nope", channel=OK, every="day", at="18:00")
    for what in ("mood:chill,rainy", "blend"):
        with pytest.raises(InvalidInput, match="need Last"):
            await service.add(MANAGER, what=what, channel=OK, every="day", at="18:00")


async def test_pause_resume_run_now_and_preview(service, clock) -> None:
    made = await weekly(service, timezone="Europe/Paris")
    _, times = await service.preview(1, made.id)
    assert times == [datetime(2026, 12, 4, 17, 0, tzinfo=UTC) + timedelta(days=7 * i) for i in range(5)]
    paused = await service.pause(MANAGER, made.id)
    assert paused.paused and paused.paused_reason == f"paused by <@{MANAGER.user_id}>"
    with pytest.raises(InvalidInput, match="resume it first"):
        await service.run_now(MANAGER, made.id)
    clock.advance(days=10)  # resumed after a Friday went by while paused: from the next one on
    resumed = await service.resume(MANAGER, made.id)
    assert not resumed.paused and resumed.next_run_at == datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    now = await service.run_now(MANAGER, made.id)
    assert now.next_run_at == clock.now().replace(microsecond=0)
    assert (await service.remove(MANAGER, made.id)).id == made.id
    with pytest.raises(NotFound):
        await service.remove(MANAGER, made.id)


async def test_suggestions_and_time_zone_validation(service) -> None:
    made = await weekly(service)
    assert [i for _, i in await service.suggest(1, "friday")] == [made.id]
    assert await service.suggest(2, "") == []
    with pytest.raises(InvalidInput, match="not a time zone"):
        await service.set_timezone(MANAGER, "Nowhere/Land")
    assert timedelta(hours=1) == service.limits.min_interval


async def test_a_fresh_mix_can_be_scheduled_and_saved_with_checked_options(service, sqlite_storage, clock) -> None:
    playlists = PlaylistService(sqlite_storage, clock=clock)
    music = MusicService(MixCatalog(), sqlite_storage.accounts, clock=clock)
    service.use_mixes(MixService(music, playlists, sqlite_storage))
    daily = {"channel": OK, "every": "day", "at": "18:00"}
    made = await service.add(MANAGER, what="mood: Rainy , lo-fi", save_as="  Friday   mix ", keep=2, **daily)
    assert (made.what, made.target, made.label) == ("mood", "rainy, lo-fi", "mood mix · rainy, lo-fi")
    assert (made.save_as, made.keep) == ("Friday mix", 2)
    blend = await service.add(MANAGER, what="blend", **daily)
    assert (blend.what, blend.save_as, blend.keep) == ("blend", None, 4)
    for options, message in (
        ({"what": "mood:", "save_as": "x"}, "Name the mood"),
        ({"what": "blend", "save_as": "x", "keep": 21}, "Keep 1 to 20"),
        ({"what": "blend", "save_as": "x", "keep": 0}, "Keep 1 to 20"),
        ({"what": "blend", "keep": 3}, "give `save_as` too"),
        ({"what": "blend", "save_as": "x" * 61}, "too long"),
        ({"what": "friday mix", "save_as": "x"}, "Only a fresh mix"),
    ):
        with pytest.raises(InvalidInput, match=message):
            await service.add(MANAGER, **daily, **options)  # type: ignore[arg-type]
