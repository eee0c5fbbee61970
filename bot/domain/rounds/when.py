"""When a round closes and how long voting lasts, from what a member types, in the server's time zone.

"3d", "2h30m", "90m", "1w"     a duration from now
"18:00"                        the next 18:00
"friday", "fri 18:00"          the next Friday (at 20:00 unless a time is given)
"2026-12-04 18:00"             a date and time
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from bot.domain.errors import InvalidInput
from bot.domain.text import quoted

_PART = re.compile(r"(\d{1,4})\s*(w|d|h|m)")
_DURATION = re.compile(r"(?:\d{1,4}\s*[wdhm]\s*)+")
_CLOCK = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_TIME = time(20, 0)
UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
HELP = 'Write a duration like "3d" or "2h30m", a time like "18:00", a day like "friday 18:00", or "2026-12-04 18:00".'


def parse_duration(typed: str) -> timedelta:
    cleaned = typed.strip().casefold()
    if not _DURATION.fullmatch(cleaned):
        raise InvalidInput(f'{quoted(typed)} is not a duration. Write one like "2d", "12h" or "1d12h".')
    total = timedelta()
    for amount, unit in _PART.findall(cleaned):
        total += timedelta(**{UNITS[unit]: int(amount)})
    if total <= timedelta():
        raise InvalidInput("The duration must be longer than nothing.")
    return total


def parse_when(typed: str, *, now: datetime, zone: tzinfo) -> datetime:
    """The instant `typed` names, after `now`, read in `zone`. InvalidInput if it is not one or is in the past."""
    cleaned = " ".join(typed.strip().casefold().split())
    if _DURATION.fullmatch(cleaned):
        return now + parse_duration(cleaned)
    local = now.astimezone(zone)
    clock = _CLOCK.search(cleaned)
    at = time(int(clock[1]), int(clock[2])) if clock else None
    rest = _CLOCK.sub("", cleaned).strip()
    day: date | None = None
    if (found := _DATE.fullmatch(rest)) is not None:
        try:
            day = date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            raise InvalidInput(f"{quoted(typed)} is not a real date.") from None
    elif rest:
        named = [i for i, name in enumerate(DAYS) if len(rest) >= 3 and name.startswith(rest)]
        if len(named) != 1:
            raise InvalidInput(f"{quoted(typed)} is not a time Sharify understands. {HELP}")
        ahead = (named[0] - local.weekday()) % 7
        day = local.date() + timedelta(days=ahead)
        at = at or DEFAULT_TIME
        if datetime.combine(day, at, zone) <= now:
            day += timedelta(days=7)
    elif at is None:
        raise InvalidInput(f"{quoted(typed)} is not a time Sharify understands. {HELP}")
    else:
        day = local.date()
        if datetime.combine(day, at, zone) <= now:
            day += timedelta(days=1)
    result = datetime.combine(day, at or DEFAULT_TIME, zone)
    if result <= now:
        raise InvalidInput(f"{quoted(typed)} is in the past.")
    return result
