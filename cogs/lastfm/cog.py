"""/lastfm link | unlink | nowplaying and /track info: glue only, the lookups live in MusicService."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.services.music import MusicService
from cogs.common import LASTFM_BUDGET, safe, send, track_choices, within_deadline
from cogs.lastfm import embeds

Choice = app_commands.Choice


class LastfmCog(commands.GroupCog, group_name="lastfm", group_description="Your Last.fm account"):
    def __init__(self, music: MusicService) -> None:
        self.music = music
        super().__init__()

    @app_commands.command(name="link", description="Link your Last.fm account (for now playing and your plays)")
    @app_commands.describe(username="Your Last.fm username")
    async def link(self, interaction: discord.Interaction, username: str) -> None:
        account = await within_deadline(
            interaction, self.music.link(interaction.user.id, username), ephemeral=True, budget=LASTFM_BUDGET
        )
        name = safe(account.lastfm_username)
        await send(interaction, f"Linked to Last.fm as **{name}**. Try `/lastfm nowplaying`.", ephemeral=True)

    @app_commands.command(name="unlink", description="Forget your Last.fm account")
    async def unlink(self, interaction: discord.Interaction) -> None:
        removed = await self.music.unlink(interaction.user.id)
        text = (
            "Your Last.fm account is unlinked (and blends no longer use your listening)."
            if removed
            else "You had no Last.fm account linked."
        )
        await send(interaction, text, ephemeral=True)

    @app_commands.command(name="consent", description="Allow (or stop) server blends using your Last.fm listening")
    @app_commands.describe(allow="on: /mix blend may read your top and recent tracks; off: it never does")
    @app_commands.choices(allow=[Choice(name="on", value="on"), Choice(name="off", value="off")])
    async def consent(self, interaction: discord.Interaction, allow: Choice[str]) -> None:
        account = await self.music.set_consent(interaction.user.id, allow.value == "on")
        name = safe(account.lastfm_username)
        text = (
            f"Server blends may now use **{name}**'s top and recent tracks. `/lastfm consent off` stops it."
            if account.mix_consent
            else f"Server blends will no longer use **{name}**'s listening."
        )
        await send(interaction, text, ephemeral=True)

    @app_commands.command(name="nowplaying", description="Show what you're scrobbling, with links to every platform")
    async def nowplaying(self, interaction: discord.Interaction) -> None:
        playing = await within_deadline(interaction, self.music.playing(interaction.user.id), budget=LASTFM_BUDGET)
        await send(interaction, embed=embeds.now_playing(playing))


class TrackCog(commands.GroupCog, group_name="track", group_description="Tracks on Last.fm"):
    def __init__(self, music: MusicService) -> None:
        self.music = music
        super().__init__()

    async def suggestions(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await track_choices(self.music, current)

    @app_commands.command(name="info", description="Album, length, tags, listeners and links for a track")
    @app_commands.describe(query='Start typing to search, or write "Artist - Title"')
    @app_commands.autocomplete(query=suggestions)
    async def info(self, interaction: discord.Interaction, query: str) -> None:
        details = await within_deadline(
            interaction, self.music.details(query, interaction.user.id), budget=LASTFM_BUDGET
        )
        await send(interaction, embed=embeds.track_info(details))
