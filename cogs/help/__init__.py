"""/help and /about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.help.cog import HelpCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    await bot.add_cog(HelpCog(retention_days=bot.services.settings.removed_server_days))
