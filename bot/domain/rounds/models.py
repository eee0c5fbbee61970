"""Round values: plain pydantic, no Discord, no storage driver types."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.models import Frozen, Track

HIDDEN_MEMBER = -1  # stands for a submitter while an anonymous round is not revealed yet


class Phase(StrEnum):
    OPEN = "open"  # taking submissions
    VOTING = "voting"  # submissions closed, votes taken
    REVEALED = "revealed"  # the ranking was shown; nothing changes any more
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in (Phase.OPEN, Phase.VOTING)


class NewRound(Frozen):
    guild_id: int
    playlist_id: str
    theme: str
    per_member: int
    votes_per_member: int
    anonymous: bool
    reorder: bool
    channel_id: int
    created_by: int
    created_at: datetime
    closes_at: datetime | None  # None: closed by hand (/round close)
    voting_s: int | None  # how long voting lasts once closed; None: revealed by hand (/round reveal)


class Round(Frozen):
    id: str
    guild_id: int
    playlist_id: str
    theme: str
    per_member: int
    votes_per_member: int
    anonymous: bool
    reorder: bool
    channel_id: int
    message_id: int | None = None
    phase: Phase = Phase.OPEN
    created_by: int
    created_at: datetime
    closes_at: datetime | None = None
    voting_s: int | None = None
    voting_ends_at: datetime | None = None  # set when the round closes (closed_at + voting_s)
    next_at: datetime | None = None  # the next automatic transition: closes_at while open, voting_ends_at after
    closed_at: datetime | None = None
    revealed_at: datetime | None = None
    announced_phase: Phase | None = None  # the phase its announcement shows; lagging behind `phase`: re-announce


class NewSubmission(Frozen):
    member_id: int
    track: Track
    norm_key: str
    submitted_at: datetime


class Submission(Frozen):
    id: str
    round_id: str
    guild_id: int
    entry_id: str | None  # the playlist entry it added (None only if that write failed half-way in MongoDB)
    member_id: int
    track: Track
    norm_key: str
    submitted_at: datetime
    votes: int = 0


class Vote(Frozen):
    round_id: str
    submission_id: str
    member_id: int


class Tally(Frozen):
    """What /round status shows: counts, never who voted for what."""

    submissions: int
    submitters: int
    voters: int
    votes: int


class Ranked(Frozen):
    rank: int  # 1-based: by votes, a tie going to the earlier submission
    submission: Submission


class Results(Frozen):
    round: Round
    ranking: tuple[Ranked, ...]
    tally: Tally

    @property
    def winner(self) -> Ranked | None:
        """The first of the ranking, when it got at least one vote."""
        return self.ranking[0] if self.ranking and self.ranking[0].submission.votes > 0 else None
