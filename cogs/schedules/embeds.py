"""Embeds for scheduled posts: pure functions of domain values."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.domain.schedules.models import Fresh, Outcome, Schedule
from bot.domain.services.playlists import PlaylistPage
from cogs.common import clip, plural, safe
from cogs.mixes.embeds import STALE, mix_embed
from cogs.playlists.embeds import COLOUR, playlist_page

SHORT_ID = 6
OUTCOME_TEXT = {
    Outcome.POSTED: "✅ posted",
    Outcome.FOUND: "✅ posted",
    Outcome.SKIPPED: "⏭️ skipped",
    Outcome.RETRYING: "🔁 retrying",
    Outcome.FAILED: "⚠️ failed",
}


def scheduled_post(page: PlaylistPage, occurrence_id: str) -> discord.Embed:
    """Page 1 of the playlist; the footer carries the occurrence id, so a later attempt can find this post."""
    embed = playlist_page(page)
    embed.set_footer(text=f"Page {page.page}/{page.pages} · scheduled post {occurrence_id}")
    return embed


def scheduled_mix(fresh: Fresh, occurrence_id: str) -> discord.Embed:
    """A fresh mix: every track linked with why it was picked, where it was saved; the footer as above."""
    embed = mix_embed(fresh.mix)
    if fresh.saved_name:
        embed.add_field(
            name="Saved as", value=f"**{safe(fresh.saved_name, 100)}** · `/playlist show` to open it", inline=False
        )
    elif fresh.note:
        embed.add_field(name="Not saved", value=safe(fresh.note, 300), inline=False)
    stale = f" · {STALE}" if fresh.mix.stale else ""
    embed.set_footer(text=clip(f"Fresh mix{stale} · scheduled post {occurrence_id}", 2048))
    return embed


def saving(schedule: Schedule) -> str:
    """How a schedule saves its mixes, as a sentence (empty when it does not)."""
    if not schedule.save_as:
        return ""
    return (
        f" Each mix is saved as **{safe(schedule.save_as, 60)} …** (then the week or date); the last "
        f"{plural(schedule.keep, 'mix', 'mixes')} stay, older ones go to the trash."
    )


def short(schedule: Schedule) -> str:
    return schedule.id[-SHORT_ID:]


def local_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %Y %H:%M")


def stamp(moment: datetime) -> str:
    return f"<t:{int(moment.timestamp())}:F>"


def schedule_line(s: Schedule, server_zone: str) -> str:
    head = f"`{short(s)}` **{safe(s.label, 80)}** in <#{s.channel_id}> · {s.recurrence.describe()}"
    if s.save_as:
        head += f" · saved as {safe(s.save_as, 60)} …, last {s.keep} kept"
    if s.paused:
        when = f"⏸️ paused: {safe(s.paused_reason or 'paused', 200)}"
    else:
        when = f"next: {local_time(s.next_run_at, server_zone)} ({server_zone}) · {stamp(s.next_run_at)}"
    last = ""
    if s.last_outcome is not None:
        last = f"\nlast: {OUTCOME_TEXT[s.last_outcome]}"
        if s.last_detail:
            last += f" ({safe(s.last_detail, 200)})"
        if s.failures:
            last += f" · {s.failures} failed in a row"
    return f"{head}\n{when}{last}"


def schedule_list(schedules: list[Schedule], server_zone: str) -> discord.Embed:
    embed = discord.Embed(title="Scheduled posts", colour=COLOUR)
    if not schedules:
        embed.description = "None yet. Add one with `/schedule add`."
        return embed
    body = "\n\n".join(schedule_line(s, server_zone) for s in schedules)
    embed.description = clip(body, 4096)
    embed.set_footer(text=f"{plural(len(schedules), 'schedule')} · times in {server_zone}")
    return embed


def preview(schedule: Schedule, times: list[datetime]) -> discord.Embed:
    lines = [f"{local_time(t, schedule.timezone)} ({schedule.timezone}) · {stamp(t)}" for t in times]
    embed = discord.Embed(
        title=clip(f"Next runs of {safe(schedule.label, 80)}", 256), description="\n".join(lines), colour=COLOUR
    )
    embed.set_footer(text=schedule.recurrence.describe())
    return embed
