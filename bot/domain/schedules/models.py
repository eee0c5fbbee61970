"""Schedules as the domain sees them: what to post where, when, and how the last occurrence went."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.domain.schedules.recurrence import Every, Recurrence


class Outcome(StrEnum):
    POSTED = "posted"
    FOUND = "found"  # an earlier attempt had posted it: recorded, not posted again
    SKIPPED = "skipped"  # missed by more than the grace window
    RETRYING = "retrying"  # a transient failure: tried again within the window
    FAILED = "failed"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewSchedule(Frozen):
    guild_id: int
    channel_id: int
    what: str  # "playlist" (more kinds later: "mood", "blend")
    target: str  # the playlist id, or the kind's argument
    label: str  # what to call it in lists (the playlist's name when it was scheduled)
    every: Every
    cron: str
    timezone: str
    created_by: int
    created_at: datetime
    next_run_at: datetime


class Schedule(NewSchedule):
    id: str
    paused: bool = False
    paused_reason: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    attempts: int = 0  # claims of the current occurrence (more than 1: an earlier claimant may have posted)
    failures: int = 0  # occurrences in a row that failed
    last_run_at: datetime | None = None  # the occurrence the last outcome is about
    last_outcome: Outcome | None = None
    last_detail: str | None = None
    last_message_id: int | None = None

    @property
    def recurrence(self) -> Recurrence:
        return Recurrence(self.every, self.cron, self.timezone)


def occurrence_id(schedule_id: str, at: datetime) -> str:
    """One occurrence of one schedule: the schedule id and the scheduled instant (UTC seconds)."""
    return f"{schedule_id}@{int(at.timestamp())}"


def nonce_of(occurrence: str) -> str:
    """Discord's message nonce for an occurrence (at most 25 characters): the same occurrence, the same nonce."""
    return hashlib.sha256(occurrence.encode()).hexdigest()[:25]
