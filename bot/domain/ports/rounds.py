"""The rounds store. Every rule that can race is enforced by the store in one atomic step (SQLite: one
transaction; MongoDB: conditional updates guarded by the round's phase and the member's counters):

- `submit`: only while the round is open, at most `per_member` submissions per member, no two submissions with
  the same normalized key in one round; the submission adds its track to the round's playlist.
- `vote`: only while voting, never for one's own submission, at most `limit` votes per member.
- `transition`: compare-and-set on the phase, so of any number of callers exactly one moves a round on.

Errors are the domain's own: Conflict (not open / not voting / already submitted), LimitExceeded (a quota),
Forbidden (a vote for one's own track), NotFound (no such round or submission in this guild).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.domain.models import Entry, NewEvent
from bot.domain.rounds.models import NewRound, NewSubmission, Phase, Round, Submission

type EntriesEvent = Callable[[builtins.list[Entry]], NewEvent | None]
"""The audit event of the entry a submission adds (as `ports.storage.EventFor`)."""


class RoundRepository(Protocol):
    async def create(self, new: NewRound) -> Round:
        """A new open round. Conflict if the playlist already has an open or voting round."""
        ...

    async def get(self, guild_id: int, round_id: str) -> Round | None: ...

    async def active_for(self, guild_id: int, playlist_id: str) -> Round | None:
        """The playlist's open or voting round, if any."""
        ...

    async def list_active(self, guild_id: int) -> builtins.list[Round]:
        """Open and voting rounds of the guild, oldest first."""
        ...

    async def set_message(self, guild_id: int, round_id: str, message_id: int) -> None:
        """Remember the announcement message, which shows the round open."""
        ...

    async def announced(self, guild_id: int, round_id: str, phase: Phase) -> None:
        """The announcement now shows `phase` (ignored when the round has moved on from it meanwhile)."""
        ...

    async def unannounced(self, *, limit: int) -> builtins.list[Round]:
        """Rounds with an announcement that shows an earlier phase than theirs (its edit never happened)."""
        ...

    async def submit(
        self,
        guild_id: int,
        round_id: str,
        new: NewSubmission,
        *,
        max_tracks: int,
        event: EntriesEvent | None = None,
    ) -> Submission:
        """Record the submission and append its track to the round's playlist (with `event`), atomically with the
        round's rules (see the module notes)."""
        ...

    async def submissions(self, guild_id: int, round_id: str) -> builtins.list[Submission]:
        """Every submission of the round with its vote count, in submission order."""
        ...

    async def vote(
        self, guild_id: int, round_id: str, submission_id: str, member_id: int, *, on: bool, limit: int
    ) -> int:
        """Give (on) or take back (off) the member's vote for a submission; returns how many votes the member has
        in the round afterwards. Giving twice or taking back a vote not given changes nothing."""
        ...

    async def votes_of(self, guild_id: int, round_id: str, member_id: int) -> builtins.set[str]:
        """The submission ids the member votes for."""
        ...

    async def voters(self, guild_id: int, round_id: str) -> int:
        """How many members vote in the round."""
        ...

    async def transition(
        self,
        guild_id: int,
        round_id: str,
        *,
        expect: Phase,
        to: Phase,
        at: datetime,
        next_at: datetime | None,
        voting_ends_at: datetime | None = None,
    ) -> Round | None:
        """Move the round from `expect` to `to` (compare-and-set) and set its next transition time; None if the round
        was not in `expect` (another caller moved it first)."""
        ...

    async def due(self, *, now: datetime, limit: int) -> builtins.list[Round]:
        """Open or voting rounds whose next transition time has come, earliest first."""
        ...

    async def withdraw(self, guild_id: int, playlist_id: str, entry_ids: builtins.list[str]) -> int:
        """The entries were removed from the playlist: while its round is open, the submissions that added them
        are withdrawn (their quota freed). Returns how many were."""
        ...

    async def repair(self, *, older_than: datetime) -> int:
        """Finish submits that stopped half-way (a process died between its steps) and were made before
        `older_than`: a submission whose entry was written gets the entry's id; one without is withdrawn and its
        quota freed. Returns how many were repaired (always 0 where a submit is one transaction)."""
        ...

    async def forget_user(self, user_id: int) -> int:
        """Forget-me on every server: the member's submissions and the rounds they started are credited to 0 (a
        former member); their votes in unrevealed rounds are deleted, in revealed or cancelled ones credited to 0.
        Returns how many submissions and votes changed."""
        ...

    async def delete_guild(self, guild_id: int) -> int:
        """Delete the server's rounds with their submissions and votes; returns how many rounds."""
        ...
