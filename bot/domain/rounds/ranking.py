"""A round's ranking and its times, as every view shows them: pure functions of the round and its submissions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.domain.rounds.models import Ranked, Round, Submission


def rank(subs: Sequence[Submission]) -> tuple[Ranked, ...]:
    """By votes, most first; a tie goes to the earlier submission."""
    ordered = sorted(subs, key=lambda s: (-s.votes, s.submitted_at, s.id))
    return tuple(Ranked(rank=i, submission=s) for i, s in enumerate(ordered, start=1))


def closing_times(r: Round) -> tuple[datetime | None, datetime | None]:
    """(when submissions close, when voting ends): planned or as they happened."""
    ends = r.voting_ends_at
    if ends is None and r.closes_at is not None and r.voting_s:
        ends = r.closes_at + timedelta(seconds=r.voting_s)
    return r.closed_at or r.closes_at, ends
