"""The runner's announcer on Discord: edits a round's announcement for its new phase (Vote button while voting,
no buttons after) and, at the reveal, posts the results in the round's channel."""

from __future__ import annotations

import contextlib

import discord

from bot.domain.errors import NotFound
from bot.domain.rounds.models import Results, Round
from bot.domain.services.rounds import RoundService
from cogs.rounds import embeds
from cogs.rounds.views import RoundButton


class DiscordAnnouncer:
    def __init__(self, bot: discord.Client, rounds: RoundService, button: type[RoundButton]) -> None:
        self._bot = bot
        self._rounds = rounds
        self._button = button

    async def playlist_name(self, r: Round) -> str:
        try:
            return (await self._rounds.playlist_of(r)).name
        except NotFound:
            return "a deleted playlist"

    async def announcement(self, r: Round) -> tuple[discord.Embed, discord.ui.View | None]:
        tally = await self._rounds.tally(r)
        zone = await self._rounds.zone(r.guild_id)
        return embeds.announcement(r, await self.playlist_name(r), tally, zone), self._button.announcement(r)

    async def changed(self, r: Round, results: Results | None) -> None:
        channel = self._bot.get_partial_messageable(r.channel_id, guild_id=r.guild_id, type=discord.ChannelType.text)
        if r.message_id is not None:
            embed, view = await self.announcement(r)
            with contextlib.suppress(discord.NotFound):  # a deleted announcement: nothing to edit, nothing to retry
                await channel.get_partial_message(r.message_id).edit(embed=embed, view=view)
        if results is not None:
            await channel.send(embed=embeds.reveal(results, await self.playlist_name(r)))
