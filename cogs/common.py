"""Discord glue shared by the cogs: who is acting, safe text, and Discord's length limits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands

from bot.domain.permissions import Actor
from bot.domain.services.guilds import GuildService
from bot.domain.services.music import MusicService
from cogs.render import clip, inert

LASTFM_BUDGET = 1.0  # seconds before a Last.fm-bound command defers (Discord's deadline is 3 s)
AUTOCOMPLETE_BUDGET = 1.8  # autocomplete can't defer: answer with what is there by then


async def actor_of(interaction: discord.Interaction, guilds: GuildService) -> Actor:
    """The member behind an interaction, as the guild service sees them (with the server's manager roles)."""
    assert interaction.guild_id is not None  # every command is guild_only
    user = interaction.user
    role_ids = [r.id for r in user.roles] if isinstance(user, discord.Member) else []
    perms = interaction.permissions
    manage = perms.manage_guild or perms.administrator
    return await guilds.actor(interaction.guild_id, user.id, role_ids, manage_guild=manage)


def safe(text: str, limit: int | None = None) -> str:
    """User or Last.fm text made inert on one line, at most `limit` characters (see cogs.render.inert)."""
    return inert(text, limit=limit)


def duration(seconds: int | None) -> str:
    if not seconds:
        return "?:??"
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def long_duration(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m = rest // 60
    return f"{h} h {m:02d} min" if h else f"{m} min"


async def within_deadline[T](
    interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool = False, budget: float = 1.5
) -> T:
    """Run `work`; if it is not done within `budget` seconds, defer so Discord's 3 s deadline is never missed,
    then finish. Reply afterwards with `send`, which picks the initial response or the followup."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=budget)
    if not done and not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return await task


async def send(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(content or "", **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


async def choices_within(
    work: Awaitable[list[app_commands.Choice[str]]], *, budget: float = 2.0
) -> list[app_commands.Choice[str]]:
    """Autocomplete can't be deferred: answer with nothing rather than miss the deadline."""
    try:
        return (await asyncio.wait_for(work, timeout=budget))[:25]
    except TimeoutError:
        return []


async def track_choices(
    music: MusicService, typed: str, *, budget: float = AUTOCOMPLETE_BUDGET
) -> list[app_commands.Choice[str]]:
    """Last.fm search as the member types, as unique "Artist - Title" choices, within the autocomplete deadline."""

    async def found() -> list[app_commands.Choice[str]]:
        items = await music.suggest(typed, budget=budget)
        labels = dict.fromkeys(clip(f"{t.artist} - {t.name}", 100) for t in items)  # unique, in order
        return [app_commands.Choice(name=label, value=label) for label in labels]

    return await choices_within(found())


FORMER_MEMBER = "a former member"  # how an attribution reads after the member used /sharify forget-me
HIDDEN_MEMBER_TEXT = "a member (hidden until the reveal)"  # a submitter of an anonymous round, before its reveal


def member(user_id: int) -> str:
    """A member as a mention (rendered by Discord, pinging no one), "a former member" for a forgotten one, or a
    hidden submitter of an anonymous round (a negative id)."""
    if user_id < 0:
        return HIDDEN_MEMBER_TEXT
    return f"<@{user_id}>" if user_id else FORMER_MEMBER


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 track", "2 tracks", "1,000 tracks"."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"
