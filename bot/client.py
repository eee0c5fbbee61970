"""The discord.py bot: thin, typed, holds the services; sharded over one shared store."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.runtime.jobs import runs_shard_zero
from bot.services import Services
from bot.tree import SharifyTree

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.playlists", "cogs.lastfm", "cogs.admin", "cogs.schedules")


class SharifyBot(commands.AutoShardedBot):
    def __init__(self, services: Services, **options: Any) -> None:
        # Sharify never joins voice: don't warn at every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # guild, channel and role cache; interactions carry the member
        settings = services.settings
        if settings.shard_ids is not None:
            options["shard_ids"] = settings.shard_ids
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=SharifyTree,
            shard_count=settings.shard_count,
            help_command=None,
            **options,
        )
        self.services = services
        self.sync_commands = True

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        if self.sync_commands and self._owns_command_sync():
            await self._sync()

    def _owns_command_sync(self) -> bool:
        """Only the process that runs shard 0 syncs commands, so N replicas don't race the same PUT."""
        return runs_shard_zero(self.services.settings.shard_ids)

    async def _sync(self) -> None:
        guild_id = self.services.settings.dev_guild_id
        if guild_id:
            guild = discord.Object(guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d commands%s", len(synced), f" to guild {guild_id}" if guild_id else "")

    async def on_ready(self) -> None:
        self.services.metrics.gateway_connected.set(1)
        self.services.metrics.guilds.set(len(self.guilds))
        log.info("ready as %s in %d guilds", self.user, len(self.guilds))

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu
    ) -> None:
        self.services.metrics.commands.labels(command=command.qualified_name, outcome="ok").inc()

    def is_connected(self) -> bool:
        """Every shard this process runs is connected (used by /readyz)."""
        return self.is_ready() and not self.is_closed() and all(not s.is_closed() for s in self.shards.values())
