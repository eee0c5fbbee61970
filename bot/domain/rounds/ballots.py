"""The ballot's rows, kept in memory while a round is voting.

Every Vote press, page turn and toggle shows a page of the round's tracks. Reading and building every submission of
the round for each click costs the whole round's work per click; while a round is voting its submissions no longer
change (submits and withdrawals only happen while it is open), except that forget-me credits a member's submissions
to 0. So the rows are loaded once per round and phase and shared by every click:

- an entry belongs to one phase: a click that reads the round in another phase loads afresh, and the service drops
  the entry when it moves the round on;
- an entry lives `ttl` seconds at most, so a forget-me made by another process shows within that time;
- concurrent first callers share one load; a failed load is not kept (the next click tries again);
- at most `capacity` rounds are kept, the least recently used one leaving first.

Only the rows are kept. The member's votes (how many they used, which toggles are on) are always read from the
store: the vote limit is the store's to enforce and a ballot never shows a vote it does not hold.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial

from bot.domain.clock import Clock
from bot.domain.rounds.models import Phase, Round, Submission

type Rows = tuple[Submission, ...]


@dataclass(frozen=True)
class Ballot:
    """What the Vote button shows one member: every track, which ones they vote for, which are their own.
    `submissions` is shared by every ballot of the round while it is voting: read it, slice a page of it."""

    round: Round
    submissions: Rows
    mine: frozenset[str]  # submission ids the member votes for, read from the store for every ballot


@dataclass(frozen=True)
class _Entry:
    phase: Phase
    loaded_at: float  # the clock's monotonic time
    rows: asyncio.Future[Rows]  # the one load every caller of this phase waits on


class BallotRows:
    def __init__(self, clock: Clock, *, ttl: float = 30.0, capacity: int = 64) -> None:
        self._clock = clock
        self.ttl = ttl
        self.capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    async def rows(self, r: Round, load: Callable[[], Awaitable[Sequence[Submission]]]) -> Rows:
        """The round's submissions in submission order, vote counts zeroed (a ballot never shows them)."""
        now = self._clock.monotonic()
        entry = self._entries.get(r.id)
        if entry is None or entry.phase is not r.phase or now - entry.loaded_at >= self.ttl:
            entry = _Entry(r.phase, now, asyncio.ensure_future(build(load)))
            self._entries[r.id] = entry
            self._trim()
            entry.rows.add_done_callback(partial(self._failed, r.id, entry))
        else:
            self._entries.move_to_end(r.id)
        return await asyncio.shield(entry.rows)  # a caller cancelled does not cancel the load the others wait for

    def drop(self, round_id: str) -> None:
        """The round moved on (or is gone): its next ballot loads afresh."""
        self._entries.pop(round_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _failed(self, round_id: str, entry: _Entry, _: object) -> None:
        """A failed load is not kept: the next click loads again."""
        if (entry.rows.cancelled() or entry.rows.exception() is not None) and self._entries.get(round_id) is entry:
            del self._entries[round_id]

    def _trim(self) -> None:
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


async def build(load: Callable[[], Awaitable[Sequence[Submission]]]) -> Rows:
    """The loaded submissions as a ballot shows them: vote counts zeroed."""
    return tuple(s.model_copy(update={"votes": 0}) if s.votes else s for s in await load())
