"""The schedule service: create, list, pause, resume, remove, run now and preview scheduled posts.

Every change is for server managers only (`Actor.is_manager`). Checked at creation: the channel is a text channel
of this server where Sharify may view, send and embed (the cog reports what Discord says as `ChannelAccess`); the
recurrence is valid and no more often than `min_interval`; the server has fewer than `max_per_guild` schedules
(the store checks that atomically).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import text
from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import Forbidden, InvalidInput, NotFound
from bot.domain.permissions import Actor
from bot.domain.ports.schedules import ScheduleRepository
from bot.domain.ports.storage import GuildRepository
from bot.domain.schedules.fresh import PREFIX_MAX, FreshMixes
from bot.domain.schedules.models import DEFAULT_KEEP, MAX_KEEP, MIX_KINDS, NewSchedule, Schedule
from bot.domain.schedules.recurrence import Recurrence, zone
from bot.domain.schedules.runner import Poster, RunnerSettings, ScheduleRunner
from bot.domain.services.mixes import MixService, parse_tags
from bot.domain.services.playlists import PlaylistService

MANAGERS_ONLY = "Only server managers can change scheduled posts."
DEFAULT_TIMEZONE = "UTC"
SHORT_ID = 6  # characters of the id shown in lists (its end: ids start with their creation time)


@dataclass(frozen=True)
class ScheduleLimits:
    max_per_guild: int = 25
    min_interval: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class ChannelAccess:
    """What Discord says about the chosen channel and Sharify's permissions there."""

    channel_id: int
    in_guild: bool
    is_text: bool
    can_view: bool
    can_send: bool
    can_embed: bool


@dataclass(frozen=True)
class Target:
    what: str
    target: str
    label: str


class ScheduleService:
    def __init__(
        self,
        schedules: ScheduleRepository,
        guilds: GuildRepository,
        playlists: PlaylistService,
        *,
        limits: ScheduleLimits | None = None,
        clock: Clock | None = None,
        mixes: MixService | None = None,
    ) -> None:
        self._store = schedules
        self._guilds = guilds
        self._playlists = playlists
        self.limits = limits or ScheduleLimits()
        self._clock = clock or SystemClock()
        self._fresh: FreshMixes | None = None
        self.use_mixes(mixes)
        self._wakers: builtins.list[Callable[[], None]] = []

    def use_mixes(self, mixes: MixService | None) -> None:
        """The mix service: with it, `what: mood:<tags>` and `what: blend` post a fresh mix each time."""
        self._fresh = None if mixes is None else FreshMixes(mixes, self._playlists, self._store)

    def runner(self, poster: Poster, settings: RunnerSettings | None = None) -> ScheduleRunner:
        """A runner over this service's store, posting through `poster` (the Discord side), woken by run-now."""
        runner = ScheduleRunner(self._store, poster, clock=self._clock, settings=settings, mixer=self._fresh)
        self.on_due(runner.wake)
        return runner

    def on_due(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a schedule became due now (run-now), so a runner need not wait for its next poll."""
        self._wakers.append(wake)

    def wake(self) -> None:
        """Tell the runners to look now (run-now; the sandbox after it moves its clock)."""
        for wake in self._wakers:
            wake()

    # -- reading ---------------------------------------------------------------------------------------------------

    async def list(self, guild_id: int) -> builtins.list[Schedule]:
        return await self._store.list(guild_id)

    async def get(self, guild_id: int, schedule_id: str) -> Schedule:
        ref = schedule_id.strip().lstrip("#").lower()
        found = await self._store.get(guild_id, ref)
        if found is None and len(ref) >= SHORT_ID:  # the short id /schedule list shows: the end of the id
            matches = [s for s in await self._store.list(guild_id) if s.id.endswith(ref)]
            found = matches[0] if len(matches) == 1 else None
        if found is None:
            raise NotFound("There is no such schedule here; `/schedule list` shows them.")
        return found

    async def due_now(self) -> int:
        """How many schedules are due and not yet handled (the sandbox waits for 0 after moving its clock)."""
        return await self._store.due(now=self._clock.now())

    async def timezone_of(self, guild_id: int) -> str:
        return (await self._guilds.settings(guild_id)).timezone or DEFAULT_TIMEZONE

    async def preview(
        self, guild_id: int, schedule_id: str, *, count: int = 5
    ) -> tuple[Schedule, builtins.list[datetime]]:
        """The schedule and its next `count` run times (from its next run)."""
        schedule = await self.get(guild_id, schedule_id)
        times = [schedule.next_run_at]
        for instant in schedule.recurrence.occurrences(schedule.next_run_at):
            if len(times) >= count:
                break
            times.append(instant)
        return schedule, times

    async def suggest(self, guild_id: int, typed: str, *, limit: int = 25) -> builtins.list[tuple[str, str]]:
        """(label, id) of the guild's schedules whose label or id contains `typed`."""
        needle = typed.strip().casefold().lstrip("#")
        found = [s for s in await self._store.list(guild_id) if needle in s.label.casefold() or needle in s.id]
        return [(f"{s.label} · {s.recurrence.describe()}", s.id) for s in found[:limit]]

    # -- changing --------------------------------------------------------------------------------------------------

    async def add(
        self,
        actor: Actor,
        *,
        what: str,
        channel: ChannelAccess,
        every: str | None = None,
        at: str | None = None,
        weekday: str | None = None,
        day: int | None = None,
        timezone: str | None = None,
        cron: str | None = None,
        save_as: str | None = None,
        keep: int | None = None,
    ) -> Schedule:
        require_manager(actor)
        check_channel(channel)
        tz = timezone.strip() if timezone and timezone.strip() else await self.timezone_of(actor.guild_id)
        rules = Recurrence.build(every=every, at=at, timezone=tz, weekday=weekday, day=day, cron=cron)
        now = self._clock.now()
        if rules.shortest_gap(now) < self.limits.min_interval:
            raise InvalidInput(f"Scheduled posts can run at most once every {_span(self.limits.min_interval)}.")
        target = await self._target(actor.guild_id, what)
        prefix, kept = _saving(target, save_as, keep)
        new = NewSchedule(
            guild_id=actor.guild_id,
            channel_id=channel.channel_id,
            what=target.what,
            target=target.target,
            label=target.label,
            every=rules.every,
            cron=rules.cron,
            timezone=rules.timezone,
            created_by=actor.user_id,
            created_at=now,
            next_run_at=rules.next_after(now),
            save_as=prefix,
            keep=kept,
        )
        return await self._store.create(new, max_per_guild=self.limits.max_per_guild)

    async def remove(self, actor: Actor, schedule_id: str) -> Schedule:
        require_manager(actor)
        schedule = await self.get(actor.guild_id, schedule_id)
        if not await self._store.delete(actor.guild_id, schedule.id):
            raise NotFound("That schedule was already removed.")
        return schedule

    async def pause(self, actor: Actor, schedule_id: str) -> Schedule:
        require_manager(actor)
        schedule = await self.get(actor.guild_id, schedule_id)
        return await self._store.set_paused(
            actor.guild_id,
            schedule.id,
            paused=True,
            reason=f"paused by <@{actor.user_id}>",
            next_run_at=schedule.next_run_at,
        )

    async def resume(self, actor: Actor, schedule_id: str) -> Schedule:
        """Resume from the next occurrence after now (what was missed while paused is not posted)."""
        require_manager(actor)
        schedule = await self.get(actor.guild_id, schedule_id)
        upcoming = schedule.recurrence.next_after(self._clock.now())
        return await self._store.set_paused(
            actor.guild_id, schedule.id, paused=False, reason=None, next_run_at=upcoming
        )

    async def run_now(self, actor: Actor, schedule_id: str) -> Schedule:
        """Post now (an occurrence of its own, at this second); the regular times continue after it."""
        require_manager(actor)
        schedule = await self.get(actor.guild_id, schedule_id)
        if schedule.paused:
            raise InvalidInput("That schedule is paused; resume it first.")
        now = self._clock.now().replace(microsecond=0)
        moved = await self._store.reschedule(actor.guild_id, schedule.id, next_run_at=now)
        self.wake()
        return moved

    async def set_timezone(self, actor: Actor, timezone: str) -> str:
        """The server's default time zone for new schedules. Managers only."""
        require_manager(actor)
        name = timezone.strip()
        zone(name)
        settings = await self._guilds.set_timezone(actor.guild_id, name)
        return settings.timezone or DEFAULT_TIMEZONE

    async def _target(self, guild_id: int, what: str) -> Target:
        kind, sep, arg = what.strip().partition(":")
        kind = kind.strip().lower()
        if kind in MIX_KINDS and (sep or kind == "blend"):
            # A fresh mix each time: stored as its kind and argument, made by the mix service at post time.
            if self._fresh is None:
                raise InvalidInput("Scheduled mixes need Last.fm, which is not set up here; schedule a playlist.")
            if kind == "mood":
                tags = parse_tags(arg)
                if not tags:
                    raise InvalidInput("Name the mood's tags after `mood:`, for example `mood: rainy, lo-fi`.")
                joined = ", ".join(tags)
                return Target(kind, joined, f"mood mix · {joined}")
            return Target(kind, "", "server blend")
        playlist = await self._playlists.get(guild_id, what)
        return Target("playlist", playlist.id, playlist.name)


def require_manager(actor: Actor) -> None:
    if not actor.is_manager:
        raise Forbidden(MANAGERS_ONLY)


def _saving(target: Target, save_as: str | None, keep: int | None) -> tuple[str | None, int]:
    """The checked name prefix and count of saved mixes to keep (saving is for fresh mixes only)."""
    kept = DEFAULT_KEEP if keep is None else keep
    if not 1 <= kept <= MAX_KEEP:
        raise InvalidInput(f"Keep 1 to {MAX_KEEP} saved mixes.")
    if save_as is None or not save_as.strip():
        if keep is not None:
            raise InvalidInput("`keep` counts saved mixes: give `save_as` too.")
        return None, kept
    if target.what not in MIX_KINDS:
        raise InvalidInput("Only a fresh mix (mood or blend) can be saved each time; a playlist already is one.")
    return text.clean_line(save_as, what="name prefix", max_len=PREFIX_MAX), kept


def check_channel(channel: ChannelAccess) -> None:
    if not channel.in_guild:
        raise InvalidInput("Pick a channel of this server.")
    if not channel.is_text:
        raise InvalidInput("Pick a text channel: scheduled posts are messages.")
    missing = [
        name
        for name, ok in (
            ("View Channel", channel.can_view),
            ("Send Messages", channel.can_send),
            ("Embed Links", channel.can_embed),
        )
        if not ok
    ]
    if missing:
        raise Forbidden(f"Sharify needs {', '.join(missing)} in <#{channel.channel_id}> to post there.")


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"
