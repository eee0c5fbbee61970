"""When a schedule runs: a recurrence (daily, weekly, monthly at a wall-clock time, or a cron expression) in an IANA
time zone, and its occurrences as UTC instants.

Every recurrence is a 5-field cron expression evaluated by cronsim on the zone's WALL CLOCK (naive local times);
each local time is then placed on the time line with zoneinfo by these rules, which make daylight-saving changes
explicit instead of leaving them to a library:

- A local time that does not exist (the clocks jump forward over it, e.g. 02:30 on the night 02:00 becomes 03:00)
  runs at the first valid time after it: the end of the gap (03:00), once.
- A local time that happens twice (the clocks go back, e.g. 01:30 on the night 02:00 becomes 01:00) runs once, at
  its first occurrence (the earlier instant, zoneinfo's fold=0).

`next_after(after)` is strictly after `after`, so the same instant is never produced twice.
"""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from cronsim import CronSim, CronSimError

from bot.domain.errors import InvalidInput
from bot.domain.text import quoted

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_DAY = 28  # every month has it
_GAP_STEP = timedelta(minutes=1)


class Every(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    CRON = "cron"


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone `name`; InvalidInput when there is none by that name."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        raise InvalidInput(
            f"{quoted(name)} is not a time zone; pick one like Europe/Paris or America/New_York."
        ) from None


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(n for n in zoneinfo.available_timezones() if "/" in n or n == "UTC"))


def suggest_zones(typed: str, *, limit: int = 25) -> list[str]:
    needle = typed.strip().casefold().replace(" ", "_")
    names = zone_names()
    starts = [n for n in names if n.casefold().startswith(needle) or n.casefold().split("/")[-1].startswith(needle)]
    contains = [n for n in names if needle in n.casefold() and n not in starts]
    return (starts + contains)[:limit]


def parse_time(text: str) -> tuple[int, int]:
    """ "HH:MM" (24-hour) -> (hour, minute)."""
    hh, sep, mm = text.strip().partition(":")
    if sep and hh.isdigit() and mm.isdigit() and len(mm) == 2 and 0 <= int(hh) <= 23 and 0 <= int(mm) <= 59:
        return int(hh), int(mm)
    raise InvalidInput(f"{quoted(text)} is not a time of day; write it as HH:MM, for example 18:00.")


@dataclass(frozen=True)
class Recurrence:
    every: Every
    cron: str  # the 5-field expression on the wall clock of `timezone` (built from the options, or as given)
    timezone: str

    @classmethod
    def build(
        cls,
        *,
        every: str | None,
        at: str | None,
        timezone: str,
        weekday: str | None = None,
        day: int | None = None,
        cron: str | None = None,
    ) -> Recurrence:
        zone(timezone)
        if cron:
            if every or at or weekday or day:
                raise InvalidInput("Give either a cron expression or every/at/weekday/day, not both.")
            expression = " ".join(cron.split())
            if len(expression.split(" ")) != 5:
                raise InvalidInput(f"{quoted(cron)} is not a 5-field cron expression (minute hour day month weekday).")
            try:
                CronSim(expression, datetime(2026, 1, 1))
            except (CronSimError, ValueError):
                raise InvalidInput(f"{quoted(cron)} is not a valid cron expression.") from None
            return cls(Every.CRON, expression, timezone)
        if every is None or at is None:
            raise InvalidInput("Say how often (every) and at what time (at), or give a cron expression.")
        try:
            kind = Every(every.strip().lower())
        except ValueError:
            raise InvalidInput(f"{quoted(every)} is not one of day, week, month.") from None
        hour, minute = parse_time(at)
        if kind is Every.WEEK:
            if weekday is None or weekday.strip().lower() not in WEEKDAYS:
                raise InvalidInput("A weekly schedule needs a weekday (monday ... sunday).")
            dow = (WEEKDAYS.index(weekday.strip().lower()) + 1) % 7  # cron: 0 is Sunday
            return cls(kind, f"{minute} {hour} * * {dow}", timezone)
        if kind is Every.MONTH:
            if day is None or not 1 <= day <= MAX_DAY:
                raise InvalidInput(f"A monthly schedule needs a day of the month from 1 to {MAX_DAY}.")
            return cls(kind, f"{minute} {hour} {day} * *", timezone)
        if kind is Every.CRON:
            raise InvalidInput("Give the cron expression in the cron option.")
        return cls(kind, f"{minute} {hour} * * *", timezone)

    def next_after(self, after: datetime) -> datetime:
        """The first occurrence strictly after the instant `after` (UTC)."""
        return next(self.occurrences(after))

    def occurrences(self, after: datetime) -> Iterator[datetime]:
        """Occurrences strictly after `after`, as UTC instants, in order, each once."""
        tz = zone(self.timezone)
        # Start an hour early on the wall clock so that a local time repeated by a fall-back is not missed when
        # `after` lies in its second pass; candidates at or before `after` are dropped below.
        wall = after.astimezone(tz).replace(tzinfo=None) - timedelta(hours=1)
        last = after
        for local in CronSim(self.cron, wall):
            instant = place(local, tz)
            if instant > last:
                last = instant
                yield instant

    def describe(self) -> str:
        minute, hour, dom, _month, dow = self.cron.split(" ")
        if self.every is Every.CRON:
            return f"cron `{self.cron}` ({self.timezone})"
        at = f"{int(hour):02d}:{int(minute):02d}"
        if self.every is Every.WEEK:
            return f"every {WEEKDAYS[(int(dow) - 1) % 7].title()} at {at} ({self.timezone})"
        if self.every is Every.MONTH:
            return f"every month on day {dom} at {at} ({self.timezone})"
        return f"every day at {at} ({self.timezone})"

    def shortest_gap(self, start: datetime, *, samples: int = 60) -> timedelta:
        """The shortest time between two of the next `samples` occurrences after `start`."""
        times = []
        for instant in self.occurrences(start):
            times.append(instant)
            if len(times) >= samples:
                break
        gaps = [b - a for a, b in itertools.pairwise(times)]
        return min(gaps) if gaps else timedelta.max


def place(local: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant of the naive wall-clock time `local` in `tz`: the first of two when it happens twice, the end
    of the gap when it does not exist."""
    first = local.replace(tzinfo=tz, fold=0)
    if _exists(first):
        return first.astimezone(UTC)
    probe = local.replace(second=0, microsecond=0)
    for _ in range(24 * 60):  # gaps are at most a couple of hours; stop looking after a day
        probe += _GAP_STEP
        candidate = probe.replace(tzinfo=tz, fold=0)
        if _exists(candidate):
            return candidate.astimezone(UTC)
    return first.astimezone(UTC)


def _exists(moment: datetime) -> bool:
    """A wall-clock time exists when it survives a round trip through UTC unchanged."""
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) == moment.replace(tzinfo=None)
