"""/round: themed rounds with quotas, votes and a reveal; the runner closes and reveals them on time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.rounds.cog import RoundCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    s = bot.services
    cog = RoundCog(bot, s.rounds, s.playlists, s.guilds, s.clock, poll_s=s.schedule_runner.poll_s)
    bot.add_dynamic_items(cog.button)  # the round's buttons answer from their custom_id: after a restart too
    await bot.add_cog(cog)
