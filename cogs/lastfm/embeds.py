"""Embeds for Last.fm lookups: pure functions of the results, within Discord's limits."""

from __future__ import annotations

import re

import discord

from bot.domain.links import lastfm_page, platform_links
from bot.domain.models import Track
from bot.domain.services.music import Playing, TrackDetails
from cogs.common import clip, duration, safe

COLOUR = discord.Colour(0xD51007)
STALE = "Last.fm isn't answering right now: this may be out of date."
_TAGS = re.compile(r"<[^>]+>")


def links_line(track: Track) -> str:
    return clip(" · ".join(f"[{name}]({url})" for name, url in platform_links(track)), 1024)


def now_playing(playing: Playing) -> discord.Embed:
    item, user = playing.item, playing.account.lastfm_username
    heading = "Now playing" if item.now_playing else "Last played"
    embed = discord.Embed(
        title=f"{safe(item.artist, 120)} — {safe(item.name, 120)}",
        url=lastfm_page(item.track),
        description=f"{heading} by **{safe(user, 64)}**" + (f" · from *{safe(item.album, 200)}*" if item.album else ""),
        colour=COLOUR,
    )
    if item.played_at and not item.now_playing:
        embed.timestamp = item.played_at
    embed.add_field(name="Listen on", value=links_line(item.track), inline=False)
    if item.image_url:
        embed.set_thumbnail(url=item.image_url)
    if playing.stale:
        embed.set_footer(text=STALE)
    return embed


def track_info(details: TrackDetails) -> discord.Embed:
    info, track = details.facts, details.facts.track
    summary = _TAGS.sub("", info.summary or "").strip()
    embed = discord.Embed(
        title=f"{safe(track.artist, 120)} — {safe(track.title, 120)}",
        url=lastfm_page(track),
        description=clip(safe(summary), 1200) if summary else None,
        colour=COLOUR,
    )
    if track.album:
        embed.add_field(name="Album", value=clip(safe(track.album), 1024), inline=True)
    embed.add_field(name="Duration", value=duration(track.duration_s) if track.duration_s else "unknown", inline=True)
    if info.listeners is not None:
        embed.add_field(name="Listeners", value=f"{info.listeners:,}", inline=True)
    if info.playcount is not None:
        embed.add_field(name="Scrobbles", value=f"{info.playcount:,}", inline=True)
    if details.linked is not None and info.user_playcount is not None:
        name = safe(details.linked.lastfm_username, 64)
        embed.add_field(name=f"Plays by {name}", value=f"{info.user_playcount:,}", inline=True)
    if info.tags:
        embed.add_field(name="Tags", value=clip(", ".join(safe(t, 50) for t in info.tags[:10]), 1024), inline=False)
    embed.add_field(name="Listen on", value=links_line(track), inline=False)
    if info.image_url:
        embed.set_thumbnail(url=info.image_url)
    if details.stale:
        embed.set_footer(text=STALE)
    return embed
