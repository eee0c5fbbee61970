"""/schedule: scheduled playlist posts, and the runner that posts them (started and stopped with the cog)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.schedules.cog import ScheduleCog, make_runner

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    s = bot.services
    runner = make_runner(bot, s.schedules, s.playlists, s.schedule_runner, s.clock)
    await bot.add_cog(ScheduleCog(s.schedules, s.playlists, s.guilds, runner, s.clock))
