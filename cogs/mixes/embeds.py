"""The mix preview: a paginated embed, each track with why it was picked. Pure functions of the domain values."""

from __future__ import annotations

import math

import discord

from bot.domain.mixes.model import Mix, Pick, Reason, ReasonKind
from cogs.common import clip, duration, long_duration, safe
from cogs.playlists.embeds import _linked

COLOUR = discord.Colour(0x8E44AD)
PAGE_SIZE = 10
PROGRESS = "⏳"  # a placeholder that is still being worked on starts with this
STALE = "Last.fm isn't answering right now: some of this comes from older copies."


def pages(mix: Mix) -> int:
    return max(1, math.ceil(len(mix.picks) / PAGE_SIZE))


def progress(text: str) -> str:
    return f"{PROGRESS} Mixing… {text}"


def reason(r: Reason) -> str:
    match r.kind:
        case ReasonKind.TAG:
            return f"tag *{safe(r.subject, 40)}* #{r.rank}"
        case ReasonKind.SIMILAR:
            return f"similar to {safe(r.subject, 60)} ({r.score or 0:.2f})"
        case ReasonKind.ARTIST:
            return f"artist like {safe(r.subject, 40)}'s ({r.score or 0:.2f})"
        case ReasonKind.LISTENER:
            names = [f"<@{u}>'s" for u in r.user_ids]
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            return f"in {who} top tracks"


def _why(pick: Pick) -> str:
    shown = [reason(r) for r in pick.reasons[:2]]
    more = len(pick.reasons) - len(shown)
    return ", ".join(shown) + (f" +{more}" if more > 0 else "")


def mix_page(mix: Mix, page: int) -> discord.Embed:
    page = min(max(page, 1), pages(mix))
    start = (page - 1) * PAGE_SIZE
    lines = [
        f"`{n:>3}.` **{safe(p.track.artist, 60)}** — {_linked(safe(p.track.title, 80), p.track.url)} "
        f"`{duration(p.track.duration_s)}` · {_why(p)}"
        for n, p in enumerate(mix.picks[start : start + PAGE_SIZE], start=start + 1)
    ]
    body = "\n".join(lines) if lines else "*No track fits this mix.*"
    embed = discord.Embed(title=clip(f"🎛️ {safe(mix.title)}", 256), description=clip(body, 4096), colour=COLOUR)
    total = long_duration(mix.total_s) if mix.total_s else "unknown"
    if mix.unknown_lengths and mix.total_s:
        total += f" (+{mix.unknown_lengths} of unknown length)"
    embed.add_field(name="Tracks", value=str(len(mix.picks)), inline=True)
    embed.add_field(name="Length", value=total, inline=True)
    if mix.used:
        embed.add_field(name="Listening used", value=clip(", ".join(f"<@{u}>" for u in mix.used), 1024), inline=False)
    if mix.skipped:
        value = ", ".join(f"<@{s.user_id}> ({s.why})" for s in mix.skipped)
        embed.add_field(name="Skipped", value=clip(value, 1024), inline=False)
    notes = [safe(m) for m in mix.missing]
    if mix.short:
        notes.append(mix.short)
    if notes:
        embed.add_field(name="Missing", value=clip("\n".join(f"• {n}" for n in notes), 1024), inline=False)
    footer = f"Page {page}/{pages(mix)}"
    embed.set_footer(text=footer + (f" · {STALE}" if mix.stale else ""))
    return embed
