"""The discord.py bot: thin, typed, holds the services; sharded over one shared store."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands
from discord.state import AutoShardedConnectionState

from bot.intake import Intake
from bot.runtime.admission import Admission
from bot.runtime.jobs import runs_shard_zero
from bot.services import Services
from bot.tree import SharifyTree

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.playlists", "cogs.lastfm", "cogs.mixes", "cogs.admin", "cogs.schedules", "cogs.rounds", "cogs.help")


class SharifyBot(commands.AutoShardedBot):
    def __init__(self, services: Services, *, admission: Admission | None = None, **options: Any) -> None:
        # Sharify never joins voice: don't warn at every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True  # guild, channel and role cache; interactions carry the member
        settings = services.settings
        # Set before discord.py's constructor, which builds the connection state (`_get_state`) that reads them.
        self.services = services
        self.admission = admission  # every interaction passes it (bot/intake.py); the drain at shutdown
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
        self.sync_commands = True

    def _get_state(self, **options: Any) -> AutoShardedConnectionState[Any]:
        # Every interaction, whatever its type, passes the admission before discord.py parses it (bot/intake.py).
        state = super()._get_state(**options)
        Intake.install(state, lambda: self.admission, self.services.settings.shard_count)
        return state

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

    # -- metrics that follow the gateway: connection state and guild count, per shard --------------------------

    def _gateway(self, shard_id: int | None, up: bool) -> None:
        self.services.metrics.gateway_connected.labels(shard=str(shard_id or 0)).set(1 if up else 0)

    def _count_guilds(self) -> None:
        counts = dict.fromkeys(self.shards, 0)
        for guild in self.guilds:
            counts[guild.shard_id] = counts.get(guild.shard_id, 0) + 1
        for shard_id, count in counts.items():
            self.services.metrics.guilds.labels(shard=str(shard_id)).set(count)

    async def on_shard_connect(self, shard_id: int) -> None:
        self._gateway(shard_id, True)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._gateway(shard_id, True)

    async def on_shard_ready(self, shard_id: int) -> None:
        self._gateway(shard_id, True)
        self._count_guilds()

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._gateway(shard_id, False)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self._count_guilds()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self._count_guilds()

    async def on_guild_available(self, guild: discord.Guild) -> None:
        self._count_guilds()

    async def on_guild_unavailable(self, guild: discord.Guild) -> None:
        self._count_guilds()

    async def on_ready(self) -> None:
        self._count_guilds()
        log.info("ready as %s in %d guilds", self.user, len(self.guilds))

    async def close(self) -> None:
        await super().close()
        for shard_id in self.shards:
            self._gateway(shard_id, False)

    def is_connected(self) -> bool:
        """Every shard this process runs is connected (used by /readyz)."""
        return self.is_ready() and not self.is_closed() and all(not s.is_closed() for s in self.shards.values())
