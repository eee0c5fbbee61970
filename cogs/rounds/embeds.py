"""Round embeds: pure functions of domain values, every user and Last.fm text made inert, within Discord's limits.
Times are written in the server's time zone (with Discord's relative time beside them)."""

from __future__ import annotations

from datetime import datetime, tzinfo

import discord

from bot.domain.rounds.models import Phase, Results, Round, Submission, Tally
from bot.domain.services.rounds import Ballot, closing_times
from cogs.common import clip, member, plural, safe

COLOUR = discord.Colour(0xF59E0B)
BALLOT_PAGE = 5
RANKED_SHOWN = 20


def when(at: datetime, zone: tzinfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%a %d %b %H:%M} ({zone}) · {discord.utils.format_dt(at, 'R')}"


def _track(s: Submission, limit: int = 80) -> str:
    return f"**{safe(s.track.artist, limit)}** — {safe(s.track.title, limit)}"


def announcement(r: Round, playlist: str, tally: Tally, zone: tzinfo) -> discord.Embed:
    closes, ends = closing_times(r)
    lines = [f"Playlist: **{safe(playlist, 100)}**"]
    if r.phase is Phase.OPEN:
        lines.append(f"Submit up to {plural(r.per_member, 'track')} each with **Submit** (or `/playlist add`).")
        lines.append(f"Submissions close: {when(closes, zone)}" if closes else "Submissions close with `/round close`.")
    elif r.phase is Phase.VOTING:
        lines.append(
            f"Submissions are closed. **Vote** for up to {plural(r.votes_per_member, 'track')} (not your own)."
        )
        lines.append(f"Voting ends: {when(ends, zone)}" if ends else "Voting ends with `/round reveal`.")
    elif r.phase is Phase.REVEALED:
        lines.append("The results are in: see the reveal below.")
    else:
        lines.append("This round was cancelled.")
    if r.anonymous and r.phase.active:
        lines.append("Anonymous: who submitted what stays hidden until the reveal.")
    lines.append(
        f"-# {plural(tally.submissions, 'track')} from {plural(tally.submitters, 'member')}"
        + (f" · {plural(tally.voters, 'voter')}" if r.phase is not Phase.OPEN else "")
    )
    title = clip(f"🎲 Round: {safe(r.theme, 200)}", 256)
    return discord.Embed(title=title, description=clip("\n".join(lines), 4096), colour=COLOUR)


def status(r: Round, playlist: str, tally: Tally, zone: tzinfo) -> discord.Embed:
    """Counts while the round runs: never who voted for what, nor how many votes a track has."""
    embed = announcement(r, playlist, tally, zone)
    embed.add_field(name="Phase", value=r.phase.value, inline=True)
    embed.add_field(name="Tracks", value=f"{tally.submissions:,}", inline=True)
    embed.add_field(name="Members", value=f"{tally.submitters:,} submitted · {tally.voters:,} voted", inline=True)
    return embed


def ballot(b: Ballot, page: int, voter_id: int, zone: tzinfo) -> discord.Embed:
    r = b.round
    chunk = b.submissions[(page - 1) * BALLOT_PAGE : page * BALLOT_PAGE]
    lines = []
    for i, s in enumerate(chunk, start=1):
        mark = "✅" if s.id in b.mine else ("🎵" if s.member_id == voter_id else "▫️")
        own = " *(yours)*" if s.member_id == voter_id else ""
        lines.append(f"`{i}` {mark} {_track(s)}{own}")
    _, ends = closing_times(r)
    head = f"Votes used: {len(b.mine)} of {r.votes_per_member}. Press a number to vote or take it back."
    if ends:
        head += f"\nVoting ends: {when(ends, zone)}"
    body = head + "\n\n" + ("\n".join(lines) if lines else "*No tracks were submitted.*")
    embed = discord.Embed(title=clip(f"🗳️ {safe(r.theme, 200)}", 256), description=clip(body, 4096), colour=COLOUR)
    embed.set_footer(text=f"Page {page}/{pages(len(b.submissions))}")
    return embed


def pages(count: int) -> int:
    return max(1, -(-count // BALLOT_PAGE))


def reveal(results: Results, playlist: str) -> discord.Embed:
    r, t = results.round, results.tally
    lines = []
    for ranked in results.ranking[:RANKED_SHOWN]:
        s = ranked.submission
        lines.append(f"`{ranked.rank:>2}.` {_track(s, 70)} · {plural(s.votes, 'vote')} · {member(s.member_id)}")
    more = len(results.ranking) - RANKED_SHOWN
    if more > 0:
        lines.append(f"…and {plural(more, 'more track')}")
    winner = results.winner
    head = (
        f"🏆 Winner: {_track(winner.submission)} by {member(winner.submission.member_id)}"
        if winner
        else "No votes were cast."
    )
    body = f"{head}\n\n" + ("\n".join(lines) if lines else "*No tracks were submitted.*")
    embed = discord.Embed(
        title=clip(f"🎉 Results: {safe(r.theme, 200)}", 256), description=clip(body, 4096), colour=COLOUR
    )
    embed.add_field(name="Playlist", value=safe(playlist, 100), inline=True)
    embed.add_field(
        name="Turn-out",
        value=f"{plural(t.submissions, 'track')} from {plural(t.submitters, 'member')} · "
        f"{plural(t.voters, 'voter')}, {plural(t.votes, 'vote')}",
        inline=True,
    )
    if r.reorder:
        embed.set_footer(text="The playlist is now in this order.")
    return embed
