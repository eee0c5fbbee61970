"""Schedules as the domain sees them: what to post where, when, and how the last occurrence went."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from bot.domain.mixes.model import Mix
from bot.domain.schedules.recurrence import Every, Recurrence

MIX_KINDS = ("mood", "blend")  # made fresh by the mix service at post time
DEFAULT_KEEP = 4
MAX_KEEP = 20


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
    what: str  # "playlist", or a fresh mix made at post time: "mood" (target: the tags) or "blend"
    target: str  # the playlist id, or the kind's argument
    label: str  # what to call it in lists (the playlist's name when it was scheduled)
    every: Every
    cron: str
    timezone: str
    created_by: int
    created_at: datetime
    next_run_at: datetime
    save_as: str | None = None  # a fresh mix is saved each time as "<save_as> <period>" (the last `keep` kept)
    keep: int = DEFAULT_KEEP


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
    save_at: datetime | None = None  # the occurrence `save_name` was chosen for (a retry saves under the same name)
    save_name: str | None = None
    saved: tuple[str, ...] = ()  # ids of the playlists saved for earlier occurrences, oldest first

    @property
    def is_mix(self) -> bool:
        return self.what in MIX_KINDS

    @property
    def recurrence(self) -> Recurrence:
        return Recurrence(self.every, self.cron, self.timezone)


def occurrence_id(schedule_id: str, at: datetime) -> str:
    """One occurrence of one schedule: the schedule id and the scheduled instant (UTC seconds)."""
    return f"{schedule_id}@{int(at.timestamp())}"


def nonce_of(occurrence: str) -> str:
    """Discord's message nonce for an occurrence (at most 25 characters): the same occurrence, the same nonce."""
    return hashlib.sha256(occurrence.encode()).hexdigest()[:25]


def seed_of(occurrence: str) -> int:
    """The mix seed of an occurrence: a retry of the same occurrence draws the same mix from the same answers."""
    return int.from_bytes(hashlib.sha256(occurrence.encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Fresh:
    """A mix made for one occurrence, and where it was saved (if the schedule saves its mixes)."""

    mix: Mix
    saved_name: str | None = None
    saved: tuple[str, ...] = ()  # the schedule's saved playlist ids after this one, oldest first
    note: str | None = None  # why it was not saved, in words
