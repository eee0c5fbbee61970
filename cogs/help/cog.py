"""/help (the commands, grouped, with examples) and /about (version, links, privacy). Both only for the asker."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from cogs.common import send
from cogs.help import embeds


class HelpCog(commands.Cog):
    def __init__(self, *, retention_days: int) -> None:
        self.retention_days = retention_days

    @app_commands.command(name="help", description="What Sharify can do, with examples")
    async def help(self, interaction: discord.Interaction) -> None:
        await send(interaction, embed=embeds.help_embed(), ephemeral=True)

    @app_commands.command(name="about", description="Sharify's version, links and privacy")
    async def about(self, interaction: discord.Interaction) -> None:
        await send(interaction, embed=embeds.about_embed(retention_days=self.retention_days), ephemeral=True)
