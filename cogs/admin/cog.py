"""/sharify-admin managers: which roles manage every playlist here, and /sharify-admin timezone: the default time
zone of scheduled posts (Manage Server only, hidden from members); /sharify forget-me: any member deletes what Sharify
keeps about them. Discord's default_member_permissions apply to a whole top-level command, so the admin commands and
the member's own command are two commands."""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.schedules.recurrence import suggest_zones
from bot.domain.schedules.service import ScheduleService
from bot.domain.services.guilds import GuildService
from bot.domain.services.privacy import Forgotten, PrivacyService
from bot.domain.services.share import ShareService
from cogs.common import actor_of, plural, send
from cogs.confirm import Confirm

log = logging.getLogger(__name__)

FORGET_QUESTION = (
    "**Forget me?** Sharify will delete your linked Last.fm account and anonymize you everywhere: tracks you added"
    " and changes you made stay, shown as by *a former member*; playlists you own or co-edit keep going without"
    " you. This applies on every server and can't be undone."
)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(commands.GroupCog, group_name="sharify-admin", group_description="Sharify's settings for this server"):
    managers = app_commands.Group(name="managers", description="Roles that manage every playlist here")

    def __init__(
        self, guilds: GuildService, privacy: PrivacyService, schedules: ScheduleService, shares: ShareService
    ) -> None:
        self.guilds = guilds
        self.privacy = privacy
        self.schedules = schedules
        self.shares = shares
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

    @app_commands.command(name="share-pages", description="What public playlist pages may show about this server")
    @app_commands.describe(
        server_name="Show this server's name on its pages",
        member_names="Show contributors by display name (else each is 'a member')",
    )
    async def share_pages(
        self, interaction: discord.Interaction, server_name: bool | None = None, member_names: bool | None = None
    ) -> None:
        actor = await actor_of(interaction, self.guilds)
        done = await self.shares.set_privacy(actor, server_name=server_name, member_names=member_names)
        server = "shows this server's name" if done.server_name else "doesn't show this server's name"
        members = "names contributors" if done.member_names else "shows each contributor as *a member*"
        await send(interaction, f"A public playlist page {server} and {members}.", ephemeral=True)

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

    # -- the bot joining and leaving servers -----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.privacy.server_removed(guild.id)
        days = self.privacy.grace.days
        log.info("removed from a server: its data goes in %d days", days, extra={"guild_id": guild.id})

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        if await self.privacy.server_added(guild.id):
            log.info("added back to a server: its data is kept", extra={"guild_id": guild.id})


@app_commands.guild_only()
class MemberCog(commands.GroupCog, group_name="sharify", group_description="You and Sharify"):
    def __init__(self, privacy: PrivacyService) -> None:
        self.privacy = privacy
        super().__init__()

    @app_commands.command(name="forget-me", description="Delete your linked account and anonymize what you added")
    async def forget_me(self, interaction: discord.Interaction) -> None:
        user_id = interaction.user.id

        async def forget(click: discord.Interaction) -> None:
            done = await self.privacy.forget_member(user_id)
            await click.followup.send(forgotten_message(done), ephemeral=True)

        view = Confirm(user_id, forget, label="Forget me", namespace="forget", danger=True)
        await send(interaction, FORGET_QUESTION, view=view, ephemeral=True)
        view.message = await interaction.original_response()


def forgotten_message(done: Forgotten) -> str:
    account = "Your linked Last.fm account is deleted" if done.account else "You had no Last.fm account linked"
    return (
        f"Done. {account}; {plural(done.tracks, 'track')} and {plural(done.events, 'change')} in the history now"
        f" show *a former member*, and {plural(done.playlists, 'playlist')} no longer list you."
    )
