"""Recurrence: wall-clock times in a time zone, across both daylight-saving transitions, and validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.schedules.recurrence import Every, Recurrence, suggest_zones

PARIS = "Europe/Paris"  # 2026: clocks forward on 29 March at 02:00 (to 03:00), back on 25 October at 03:00 (to 02:00)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def times(rules: Recurrence, after: datetime, n: int) -> list[datetime]:
    out = []
    for t in rules.occurrences(after):
        out.append(t)
        if len(out) == n:
            return out
    return out


def test_weekly_friday_evening_in_paris_follows_the_wall_clock_through_winter_time() -> None:
    rules = Recurrence.build(every="week", at="18:00", weekday="friday", timezone=PARIS)
    assert rules.cron == "0 18 * * 5" and rules.every is Every.WEEK
    got = times(rules, utc(2026, 10, 20), 3)
    # 23 Oct is summer time (UTC+2), 30 Oct and 6 Nov winter time (UTC+1): always 18:00 in Paris
    assert got == [utc(2026, 10, 23, 16), utc(2026, 10, 30, 17), utc(2026, 11, 6, 17)]


def test_a_time_that_does_not_exist_runs_at_the_end_of_the_gap_once() -> None:
    rules = Recurrence.build(every="day", at="02:30", timezone=PARIS)
    got = times(rules, utc(2026, 3, 27, 12), 3)
    # 28 Mar 02:30 CET = 01:30 UTC; 29 Mar 02:30 does not exist: 03:00 CEST = 01:00 UTC; 30 Mar 02:30 CEST = 00:30
    assert got == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]


def test_a_time_that_happens_twice_runs_once_at_the_first() -> None:
    rules = Recurrence.build(every="day", at="02:30", timezone=PARIS)
    got = times(rules, utc(2026, 10, 24, 12), 2)
    # 25 Oct 02:30 happens at 00:30 UTC (summer) and 01:30 UTC (winter): only the first
    assert got == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    # asked from inside the repeated hour (after the first 02:30 ran), the second pass is not produced
    assert rules.next_after(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)
    assert rules.next_after(utc(2026, 10, 25, 1, 15)) == utc(2026, 10, 26, 1, 30)


def test_new_york_transitions_too() -> None:
    rules = Recurrence.build(cron="30 2 * * *", every=None, at=None, timezone="America/New_York")
    # 8 March 2026: 02:00 EST -> 03:00 EDT; 02:30 runs at 03:00 EDT = 07:00 UTC
    assert rules.next_after(utc(2026, 3, 8, 0)) == utc(2026, 3, 8, 7, 0)
    # 1 November 2026: 02:00 EDT -> 01:00 EST; a 01:30 cron runs once, at 01:30 EDT = 05:30 UTC
    once = Recurrence.build(cron="30 1 * * *", every=None, at=None, timezone="America/New_York")
    assert times(once, utc(2026, 10, 31, 12), 2) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_next_after_is_strictly_after() -> None:
    rules = Recurrence.build(every="day", at="18:00", timezone="UTC")
    assert rules.next_after(utc(2026, 1, 1, 18)) == utc(2026, 1, 2, 18)
    assert rules.next_after(utc(2026, 1, 1, 17, 59, 59)) == utc(2026, 1, 1, 18)


def test_monthly_on_a_day() -> None:
    rules = Recurrence.build(every="month", at="09:05", day=15, timezone="Asia/Tokyo")
    assert times(rules, utc(2026, 1, 1), 2) == [utc(2026, 1, 15, 0, 5), utc(2026, 2, 15, 0, 5)]
    assert "day 15" in rules.describe()


def test_shortest_gap_tells_an_hourly_cron_from_a_faster_one() -> None:
    start = utc(2026, 1, 1)
    assert Recurrence.build(cron="0 * * * *", every=None, at=None, timezone="UTC").shortest_gap(start) == timedelta(
        hours=1
    )
    assert Recurrence.build(cron="*/30 * * * *", every=None, at=None, timezone="UTC").shortest_gap(start) == timedelta(
        minutes=30
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"every": "week", "at": "18:00"}, "weekday"),
        ({"every": "week", "at": "18:00", "weekday": "fri"}, "weekday"),
        ({"every": "month", "at": "18:00", "day": 31}, "day of the month"),
        ({"every": "day", "at": "25:00"}, "time of day"),
        ({"every": "day", "at": "6pm"}, "time of day"),
        ({"every": "fortnight", "at": "18:00"}, "not one of"),
        ({"every": None, "at": None}, "how often"),
        ({"every": None, "at": None, "cron": "61 * * * *"}, "not a valid cron"),
        ({"every": None, "at": None, "cron": "0 18 * *"}, "5-field"),
        ({"every": "day", "at": "18:00", "cron": "0 18 * * *"}, "either"),
        ({"every": "day", "at": "18:00", "timezone": "Mars/Olympus"}, "not a time zone"),
        ({"every": "day", "at": "18:00", "timezone": "../etc/passwd"}, "not a time zone"),
    ],
)
def test_invalid_recurrences_are_refused_with_a_reason(options: dict[str, object], message: str) -> None:
    kwargs: dict[str, object] = {"timezone": "UTC", **options}
    with pytest.raises(InvalidInput, match=message):
        Recurrence.build(**kwargs)  # type: ignore[arg-type]


def test_time_zone_suggestions() -> None:
    assert suggest_zones("paris")[0] == "Europe/Paris"
    assert "America/New_York" in suggest_zones("new_y")
    assert len(suggest_zones("")) == 25
