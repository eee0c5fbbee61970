"""The store's port for scheduled posts (one repository, like every aggregate in `ports.storage`)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.schedules.models import NewSchedule, Outcome, Schedule


class ScheduleRepository(Protocol):
    """Scheduled posts. The runner's methods (claim, finish, retry_later, release) are not scoped by guild: they
    serve every guild, and each is one atomic, guarded write, so several processes can share one store."""

    async def create(self, new: NewSchedule, *, max_per_guild: int) -> Schedule:
        """LimitExceeded if the guild already has `max_per_guild` schedules (checked atomically)."""
        ...

    async def get(self, guild_id: int, schedule_id: str) -> Schedule | None: ...

    async def list(self, guild_id: int) -> builtins.list[Schedule]:
        """The guild's schedules, soonest next run first."""
        ...

    async def delete(self, guild_id: int, schedule_id: str) -> bool: ...

    async def set_paused(
        self, guild_id: int, schedule_id: str, *, paused: bool, reason: str | None, next_run_at: datetime
    ) -> Schedule:
        """Pause (with why) or resume (from `next_run_at`, failures reset). NotFound for another guild's id."""
        ...

    async def reschedule(self, guild_id: int, schedule_id: str, *, next_run_at: datetime) -> Schedule:
        """Move the next run (run-now). Conflict while an occurrence is being posted; NotFound if absent."""
        ...

    async def claim(self, *, now: datetime, owner: str, lease_until: datetime, limit: int) -> builtins.list[Schedule]:
        """Take up to `limit` due schedules (not paused, next_run_at <= now, no lease or an expired one), soonest
        first: set the lease and count the attempt (`attempts` + 1). Each due schedule goes to exactly one caller."""
        ...

    async def finish(
        self,
        schedule_id: str,
        *,
        owner: str,
        occurrence: datetime,
        outcome: Outcome,
        detail: str | None,
        message_id: int | None,
        next_run_at: datetime,
        failures: int,
        pause_reason: str | None = None,
    ) -> bool:
        """Record how `occurrence` went and move on to `next_run_at` (lease cleared, attempts 0; paused when
        `pause_reason` is given). Only while `owner` holds the lease on that occurrence: False otherwise."""
        ...

    async def retry_later(
        self, schedule_id: str, *, owner: str, occurrence: datetime, at: datetime, detail: str
    ) -> bool:
        """Keep the occurrence due but let nobody claim it before `at` (a transient failure). Guarded like finish."""
        ...

    async def reserve_save(self, schedule_id: str, *, owner: str, occurrence: datetime, name: str) -> str | None:
        """The name the fresh mix of `occurrence` is saved under: `name` on the first call for the occurrence, the
        name chosen then on every later one (a retry, another claimant). None when `owner` lost the lease."""
        ...

    async def record_saved(self, schedule_id: str, *, playlist_id: str) -> builtins.list[str]:
        """Add a saved playlist's id to the schedule's list (once: a repeat changes nothing); the list, oldest
        first. NotFound when the schedule is gone."""
        ...

    async def forget_saved(self, schedule_id: str, *, playlist_ids: Sequence[str]) -> None:
        """Drop these ids from the schedule's saved list (they went to the trash)."""
        ...

    async def release(self, *, owner: str, schedule_ids: Sequence[str]) -> int:
        """Give up `owner`'s leases on these schedules (a graceful stop); returns how many."""
        ...

    async def due(self, *, now: datetime) -> int:
        """How many schedules are due and not paused (claimed or not)."""
        ...
