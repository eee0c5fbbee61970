"""/lastfm (link, unlink, nowplaying) and /track info."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.lastfm.cog import LastfmCog, TrackCog

if TYPE_CHECKING:
    from bot.client import SharifyBot


async def setup(bot: SharifyBot) -> None:
    await bot.add_cog(LastfmCog(bot.services.music))
    await bot.add_cog(TrackCog(bot.services.music))
