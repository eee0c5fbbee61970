"""The /playlist commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.playlists.cog import PlaylistCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    services = bot.services
    cog = PlaylistCog(services.playlists, services.music, services.guilds)
    bot.add_dynamic_items(cog.pager)  # the pager's buttons answer from their custom_id: after a restart too
    bot.add_dynamic_items(*cog.use_transfer(services.transfer))
    cog.shares = services.shares
    await bot.add_cog(cog)
