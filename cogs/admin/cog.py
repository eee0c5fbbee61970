"""/sharify managers: which roles manage every playlist on the server; /sharify timezone: the default time zone of
scheduled posts. Members with Manage Server only."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.schedules.recurrence import suggest_zones
from bot.domain.schedules.service import ScheduleService
from bot.domain.services.guilds import GuildService
from cogs.common import actor_of, send


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="sharify", group_description="Sharify's settings for this server"):
    managers = app_commands.Group(name="managers", description="Roles that manage every playlist here")

    def __init__(self, guilds: GuildService, schedules: ScheduleService) -> None:
        self.guilds = guilds
        self.schedules = schedules
        super().__init__()

    async def zones(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in suggest_zones(current)]

    @app_commands.command(name="timezone", description="The server's time zone for scheduled posts")
    @app_commands.describe(timezone="An IANA time zone, e.g. Europe/Paris")
    @app_commands.autocomplete(timezone=zones)
    async def timezone(self, interaction: discord.Interaction, timezone: str) -> None:
        actor = await actor_of(interaction, self.guilds)
        zone = await self.schedules.set_timezone(actor, timezone)
        await send(interaction, f"Scheduled posts here now default to the {zone} time zone.", ephemeral=True)

    @managers.command(name="add", description="Members with this role manage every playlist")
    @app_commands.describe(role="The role whose members become playlist managers")
    async def managers_add(self, interaction: discord.Interaction, role: discord.Role) -> None:
        actor = await actor_of(interaction, self.guilds)
        await self.guilds.set_manager_role(actor, role.id, present=True)
        await send(interaction, f"{role.mention} now manages every playlist here.", ephemeral=True)

    @managers.command(name="remove", description="This role no longer manages playlists")
    @app_commands.describe(role="The role that stops managing playlists")
    async def managers_remove(self, interaction: discord.Interaction, role: discord.Role) -> None:
        actor = await actor_of(interaction, self.guilds)
        await self.guilds.set_manager_role(actor, role.id, present=False)
        await send(interaction, f"{role.mention} no longer manages playlists.", ephemeral=True)

    @managers.command(name="list", description="The roles that manage playlists here")
    async def managers_list(self, interaction: discord.Interaction) -> None:
        settings = await self.guilds.settings(interaction.guild_id or 0)
        roles = ", ".join(f"<@&{r}>" for r in settings.manager_role_ids) or "none yet"
        await send(
            interaction, f"Playlist managers: members with Manage Server, and these roles: {roles}.", ephemeral=True
        )
