"""/sharify-admin: server settings (manager roles) and the server's data lifecycle; /sharify forget-me."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.admin.cog import AdminCog, MemberCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    await bot.add_cog(AdminCog(bot.services.guilds, bot.services.privacy, bot.services.schedules, bot.services.shares))
    await bot.add_cog(MemberCog(bot.services.privacy))
