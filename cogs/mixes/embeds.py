"""The mix preview: a paginated embed, each track with why it was picked. Pure functions of the domain values."""

from __future__ import annotations

import math

import discord

from bot.domain.links import lastfm_page
from bot.domain.mixes.model import Mix, Pick, Reason, ReasonKind
from cogs.common import clip, duration, long_duration, safe
from cogs.render import ELLIPSIS, inert, render_user_message

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


def _line(n: int, pick: Pick) -> str:
    """One track: the title links to its Last.fm page (a URL Sharify builds), the label made inert for a link."""
    title = inert(pick.track.title, limit=80, where="label")
    if (url := lastfm_page(pick.track)) is not None:
        title = f"[{title}]({url})"
    return f"`{n:>3}.` **{safe(pick.track.artist, 60)}** — {title} `{duration(pick.track.duration_s)}` · {_why(pick)}"


def _fit(lines: list[str], limit: int) -> str:
    """Whole lines joined, as many as fit in `limit` (then "…"): a cut never splits an escape or a link."""
    out: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > limit - 2:
            out.append(ELLIPSIS)
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def mix_page(mix: Mix, page: int) -> discord.Embed:
    page = min(max(page, 1), pages(mix))
    embed = mix_embed(mix, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    footer = f"Page {page}/{pages(mix)}"
    embed.set_footer(text=footer + (f" · {STALE}" if mix.stale else ""))
    return embed


def mix_embed(mix: Mix, start: int = 0, count: int | None = None) -> discord.Embed:
    """The mix's tracks from `start` (`count` of them, or all that fit), each linked with why it was picked, and
    its totals and notes; no footer (the preview puts its page there, a scheduled post its occurrence)."""
    shown = mix.picks[start:] if count is None else mix.picks[start : start + count]
    lines = [_line(n, p) for n, p in enumerate(shown, start=start + 1)]
    body = _fit(lines, 4096) if lines else "*No track fits this mix.*"
    embed = discord.Embed(title=f"🎛️ {safe(mix.title, 250)}", description=body, colour=COLOUR)
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
    notes = [render_user_message(m, limit=400) for m in mix.missing]  # values the domain quoted become inert
    if mix.short:
        notes.append(mix.short)
    if notes:
        embed.add_field(name="Missing", value=_fit([f"• {n}" for n in notes], 1024), inline=False)
    return embed
