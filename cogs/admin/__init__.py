"""/sharify: server settings (manager roles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.admin.cog import AdminCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    await bot.add_cog(AdminCog(bot.services.guilds, bot.services.schedules))
