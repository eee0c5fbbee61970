"""/mix (mood, similar, blend, extend): generated playlists with a preview and Save / Add / Reroll."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.mixes.cog import MixCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    s = bot.services
    cog = MixCog(s.mixes, s.music, s.playlists, s.guilds, s.clock)
    await bot.add_cog(cog)
    bot.add_dynamic_items(cog.button)
