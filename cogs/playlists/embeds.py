"""Embeds for playlists: pure functions of domain values (no network), within Discord's limits."""

from __future__ import annotations

import re

import discord

from bot.domain.links import lastfm_page
from bot.domain.models import Entry, Playlist, PlaylistEvent, PlaylistMode
from bot.domain.services.playlists import PlaylistPage
from cogs.common import clip, duration, long_duration, safe
from cogs.render import inert

COLOUR = discord.Colour(0x1DB954)
_UNSAFE_URL = re.compile(r"[\s()\[\]<>]")
MODE_TEXT = {
    PlaylistMode.OPEN: "open: anyone here can edit",
    PlaylistMode.COLLABORATIVE: "collaborative: owner, collaborators and managers edit",
    PlaylistMode.LOCKED: "locked: owner and managers only",
}


def playlist_page(page: PlaylistPage) -> discord.Embed:
    p = page.playlist
    lines = [_track_line(pos, e) for pos, e in page.entries]
    body = safe(p.description, 300) + "\n\n" if p.description else ""
    body += "\n".join(lines) if lines else "*No tracks yet. Add one with `/playlist add`.*"
    embed = discord.Embed(title=clip(f"🎵 {safe(p.name)}", 256), description=clip(body, 4096), colour=COLOUR)
    total = long_duration(page.total_duration_s) if page.total_duration_s else "unknown"
    if page.unknown_durations and page.total_duration_s:
        total += f" (+{page.unknown_durations} of unknown length)"
    embed.add_field(name="Tracks", value=f"{page.total:,}", inline=True)
    embed.add_field(name="Duration", value=total, inline=True)
    embed.add_field(name="Mode", value=MODE_TEXT[p.mode], inline=True)
    embed.add_field(name="Owner", value=f"<@{p.owner_id}>", inline=True)
    if page.contributors:
        shown = [f"<@{uid}> ({n})" for uid, n in page.contributors[:15]]
        more = len(page.contributors) - len(shown)
        value = ", ".join(shown) + (f" and {more} more" if more else "")
        embed.add_field(name="Contributors", value=clip(value, 1024), inline=False)
    embed.set_footer(text=f"Page {page.page}/{page.pages}")
    return embed


def _track_line(position: int, entry: Entry) -> str:
    title = _linked(inert(entry.track.title, limit=100, where="label"), lastfm_page(entry.track))
    return (
        f"`{position:>3}.` **{safe(entry.track.artist, 80)}** — {title} "
        f"`{duration(entry.track.duration_s)}` · <@{entry.added_by}>"
    )


def _linked(text: str, url: str | None) -> str:
    """The title as a link to the track's Last.fm page, when the URL is safe inside markdown link syntax."""
    if url and url.startswith("https://") and len(url) <= 200 and not _UNSAFE_URL.search(url):
        return f"[{text}]({url})"
    return text


def playlist_list(playlists: list[Playlist], *, trash: bool) -> discord.Embed:
    title = "🗑️ Trash" if trash else "🎶 Playlists on this server"
    if not playlists:
        empty = "The trash is empty." if trash else "No playlists yet. Start one with `/playlist create`."
        return discord.Embed(title=title, description=empty, colour=COLOUR)
    lines = []
    for p in playlists:
        lines.append(f"**{safe(p.name, 100)}** · {p.track_count:,} tracks · {p.mode.value}")
    text = "\n".join(lines)
    if len(text) > 4000:
        text = clip(text, 3990)
    embed = discord.Embed(title=title, description=text, colour=COLOUR)
    embed.set_footer(text=f"{len(playlists)} playlist(s)" + (" · emptied after 30 days" if trash else ""))
    return embed


def history(events: list[PlaylistEvent], *, playlist: str | None) -> discord.Embed:
    title = f"History of {safe(playlist, 100)}" if playlist else "Recent changes on this server"
    if not events:
        return discord.Embed(title=title, description="Nothing has happened yet.", colour=COLOUR)
    lines = []
    for e in events:
        mark = "~~" if e.undone else ""
        when = discord.utils.format_dt(e.at, "R")
        lines.append(f"{when} <@{e.actor_id}> {mark}{safe(e.summary, 200)}{mark}")
    return discord.Embed(title=clip(title, 256), description=clip("\n".join(lines), 4096), colour=COLOUR)
