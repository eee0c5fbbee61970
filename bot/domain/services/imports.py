"""What an import passes through between reading and writing: each entry's match, the target, the review kept
for the member's decision (in a bounded store with an expiry) and the throttled progress of the matching."""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.clock import Clock
from bot.domain.formats import Format, ImportedEntry, Skipped
from bot.domain.models import Track

PROGRESS_EVERY_S = 1.0

type Progress = Callable[[int, int], Awaitable[None]]


class MatchKind(StrEnum):
    MATCHED = "matched"
    CORRECTED = "corrected"  # found under the catalog's spelling
    UNMATCHED = "unmatched"


@dataclass(frozen=True)
class Match:
    entry: ImportedEntry
    kind: MatchKind
    found: Track | None = None  # the catalog's track (matched, corrected)
    checked: bool = True  # False: the catalog wasn't asked (not set up, not answering)

    @property
    def track(self) -> Track:
        """What is written: the catalog's track (keeping the file's album and length where it has none), or the
        entry as typed."""
        if self.found is None:
            return self.entry.track
        typed = self.entry.track
        return self.found.model_copy(
            update={"album": self.found.album or typed.album, "duration_s": self.found.duration_s or typed.duration_s}
        )


@dataclass(frozen=True)
class Target:
    """Where an import goes: an existing playlist (`playlist_id`) or a new one named `name`."""

    name: str
    playlist_id: str | None = None
    description: str = ""


@dataclass
class Review:
    guild_id: int
    user_id: int
    target: Target
    source: str  # the file name, or "pasted lines"
    format: Format
    matches: list[Match]
    skipped: tuple[Skipped, ...] = ()
    token: str = ""
    created: float = 0.0

    def of(self, kind: MatchKind) -> list[Match]:
        return [m for m in self.matches if m.kind is kind]

    @property
    def unchecked(self) -> int:
        return sum(1 for m in self.matches if not m.checked)


@dataclass
class Reviews:
    """Reviews waiting for a decision: at most `capacity` (the oldest goes first), each for `ttl_s` seconds."""

    clock: Clock
    ttl_s: float = 600.0
    capacity: int = 200
    _items: OrderedDict[str, Review] = field(default_factory=OrderedDict)

    def put(self, review: Review) -> Review:
        self._expire()
        while len(self._items) >= self.capacity:
            self._items.popitem(last=False)
        review.token, review.created = secrets.token_hex(8), self.clock.monotonic()
        self._items[review.token] = review
        return review

    def get(self, token: str) -> Review | None:
        self._expire()
        return self._items.get(token)

    def put_back(self, review: Review) -> None:
        """A review whose decision failed (the name was taken meanwhile, say), kept for another try."""
        self._items[review.token] = review

    def pop(self, token: str) -> Review | None:
        self._expire()
        return self._items.pop(token, None)

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self) -> None:
        cutoff = self.clock.monotonic() - self.ttl_s
        while self._items and next(iter(self._items.values())).created <= cutoff:
            self._items.popitem(last=False)


EXPIRED = "This import review has expired or was already decided; run the import again."


@dataclass
class Throttled:
    """Counts finished lookups and reports at most once per PROGRESS_EVERY_S, never two reports at once, without
    holding up a lookup; the last count is always reported."""

    total: int
    report: Progress | None
    clock: Clock
    done: int = 0
    last: float = float("-inf")
    running: asyncio.Task[None] | None = None

    def step(self) -> None:
        self.done += 1
        now = self.clock.monotonic()
        busy = self.running is not None and not self.running.done()
        if self.report is not None and not busy and now - self.last >= PROGRESS_EVERY_S and self.done < self.total:
            self.last = now
            self.running = asyncio.ensure_future(self.report(self.done, self.total))

    async def finish(self) -> None:
        if self.running is not None:
            await asyncio.gather(self.running, return_exceptions=True)
        if self.report is not None and self.total:
            await self.report(self.total, self.total)
