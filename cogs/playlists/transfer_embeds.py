"""What an import review and its outcome look like: pure functions of the transfer service's values."""

from __future__ import annotations

import math

import discord

from bot.domain.services.imports import Match, MatchKind, Review
from bot.domain.services.transfer import Committed
from cogs.common import plural, safe

REVIEW_PAGE = 15
SKIPPED_SHOWN = 5
MARK = {MatchKind.UNMATCHED: "❓", MatchKind.CORRECTED: "✏️", MatchKind.MATCHED: "✅"}
ORDER = (MatchKind.UNMATCHED, MatchKind.CORRECTED, MatchKind.MATCHED)  # what needs a look comes first


def ordered(review: Review) -> list[Match]:
    return [m for kind in ORDER for m in review.matches if m.kind is kind]


def review_pages(review: Review) -> int:
    return max(1, math.ceil(len(review.matches) / REVIEW_PAGE))


def found(review: Review) -> int:
    return sum(1 for m in review.matches if m.found is not None)


def _pair(artist: str, title: str) -> str:
    return f"{safe(artist, 60)} — {safe(title, 80)}"


def line(match: Match) -> str:
    typed = match.entry.track
    where = f"`{match.entry.line}` "
    if match.kind is MatchKind.CORRECTED and match.found is not None:
        fixed = _pair(match.found.artist, match.found.title)
        return f"{MARK[match.kind]} {where}{_pair(typed.artist, typed.title)} → **{fixed}**"
    note = "" if match.kind is not MatchKind.UNMATCHED else " (not found)" if match.checked else " (not checked)"
    return f"{MARK[match.kind]} {where}{_pair(typed.artist, typed.title)}{note}"


def review(review: Review, page: int) -> discord.Embed:
    pages = review_pages(review)
    page = min(max(page, 1), pages)
    start = (page - 1) * REVIEW_PAGE
    counts = {kind: len(review.of(kind)) for kind in ORDER}
    into = "a new playlist" if review.target.playlist_id is None else "the playlist"
    summary = (
        f"From {safe(review.source, 100)} ({review.format.value.upper()}) "
        f"into {into} **{safe(review.target.name, 100)}**\n"
        f"✅ {counts[MatchKind.MATCHED]:,} matched · ✏️ {counts[MatchKind.CORRECTED]:,} corrected "
        f"· ❓ {counts[MatchKind.UNMATCHED]:,} unmatched"
    )
    if review.unchecked:
        summary += f"\n-# {review.unchecked:,} couldn't be checked: Last.fm isn't answering or isn't set up."
    body = "\n".join(line(m) for m in ordered(review)[start : start + REVIEW_PAGE])
    embed = discord.Embed(title="Review the import", description=f"{summary}\n\n{body}"[:4096])
    if review.skipped:
        shown = [f"line {s.line}: {safe(s.reason, 100)}" for s in review.skipped[:SKIPPED_SHOWN]]
        more = len(review.skipped) - SKIPPED_SHOWN
        embed.add_field(
            name=f"Skipped {plural(len(review.skipped), 'line')}",
            value="\n".join(shown) + (f"\n…and {more:,} more" if more > 0 else ""),
            inline=False,
        )
    embed.set_footer(
        text=f"Page {page} of {pages} · Import keeps unmatched tracks as typed (unverified) · "
        "nothing is written until you choose · expires in 10 minutes"
    )
    return embed


def committed(done: Committed) -> str:
    verb = "Created" if done.created else "Updated"
    text = f"{verb} **{safe(done.playlist.name, 100)}**: imported {plural(len(done.entries), 'track')}"
    if done.unverified:
        text += f", {done.unverified:,} of them not found on Last.fm and kept as typed (unverified)"
    return f"{text}. It now has {done.playlist.track_count:,}. `/playlist undo` takes the import back."
