"""The refusals of a round, shared by the service and both stores so a member reads the same words everywhere."""

from __future__ import annotations

from bot.domain.errors import Conflict, Forbidden, LimitExceeded, NotFound
from bot.domain.models import Track
from bot.domain.text import quoted


def round_missing() -> NotFound:
    return NotFound("There is no such round here; `/round status` shows the rounds running now.")


def submission_missing() -> NotFound:
    return NotFound("That track is no longer part of the round.")


def already_running() -> Conflict:
    return Conflict("That playlist already has a round running; close or cancel it first.")


def not_open() -> Conflict:
    return Conflict("Submissions for this round are closed.")


def not_voting() -> Conflict:
    return Conflict("This round is not taking votes right now.")


def quota_reached(per_member: int) -> LimitExceeded:
    many = "track" if per_member == 1 else "tracks"
    return LimitExceeded(f"You already submitted {per_member} {many} to this round, the most each member may.")


def already_submitted(track: Track, *, yours: bool) -> Conflict:
    who = "You already submitted" if yours else "Someone already submitted"
    return Conflict(f"{who} {quoted(f'{track.artist} - {track.title}')} to this round.")


def own_track() -> Forbidden:
    return Forbidden("You can't vote for a track you submitted.")


def vote_limit(limit: int) -> LimitExceeded:
    many = "vote" if limit == 1 else "votes"
    return LimitExceeded(f"You have used your {limit} {many}; take one back to vote for another track.")


def round_blocks_import(playlist: str, theme: str) -> Conflict:
    return Conflict(
        f"{quoted(playlist)} has a round running ({quoted(theme)}), so tracks can't be imported into it: members"
        " submit one by one (`/playlist add` or the round's Submit button). Import after the round ends."
    )
