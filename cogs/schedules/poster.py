"""Posting an occurrence to Discord: the playlist's first page with the pager (or the fresh mix, with each track's
reason), sent with the occurrence's nonce (discord.py sends `enforce_nonce` with every nonce), and finding an earlier
attempt's message by its footer. Every request waits for its turn on the pacer (Discord's global and per-channel
rate limits) first, so a minute with thousands of posts due does not turn into thousands of 429s."""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.domain.errors import NotFound
from bot.domain.schedules.pacing import PostPacer
from bot.domain.schedules.runner import Post, PostError
from bot.domain.services.playlists import PlaylistService
from cogs.playlists.views import PageButton
from cogs.schedules.embeds import scheduled_mix, scheduled_post

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50  # the channel's latest messages to look through for an earlier attempt's post


class DiscordPoster:
    def __init__(
        self, bot: discord.Client, playlists: PlaylistService, pager: type[PageButton], pacer: PostPacer
    ) -> None:
        self._bot = bot
        self._playlists = playlists
        self._pager = pager
        self.pacer = pacer

    def _channel(self, post: Post) -> discord.PartialMessageable:
        s = post.schedule
        return self._bot.get_partial_messageable(s.channel_id, guild_id=s.guild_id, type=discord.ChannelType.text)

    async def send(self, post: Post) -> int:
        s = post.schedule
        view: discord.ui.View | None = None
        if post.fresh is not None:
            embed = scheduled_mix(post.fresh, post.occurrence_id)
        elif s.what == "playlist":
            try:
                page = await self._playlists.page_of(s.guild_id, s.target, 1)
            except NotFound:
                raise PostError("the playlist was deleted", transient=False) from None
            embed = scheduled_post(page, post.occurrence_id)
            view = self._pager.row_for(page)
        else:
            raise PostError(f"nothing to post for a {s.what} schedule", transient=False)
        await self.pacer.turn(s.channel_id)
        try:
            if view is None:
                message = await self._channel(post).send(embed=embed, nonce=post.nonce)
            else:
                message = await self._channel(post).send(embed=embed, view=view, nonce=post.nonce)
        except discord.HTTPException as e:
            raise _failure(e, s.channel_id) from None
        except (aiohttp.ClientError, TimeoutError) as e:
            raise PostError(f"Discord did not answer ({type(e).__name__})", transient=True) from None
        return message.id

    async def find(self, post: Post) -> int | None:
        me = self._bot.user
        await self.pacer.turn()  # a read: the global limit only
        try:
            # The channel's latest messages, newest first: an earlier attempt posted within a lease or two, and the
            # marker is exact. Not bounded by the occurrence's time: that would trust this clock to agree with
            # Discord's snowflakes.
            async for message in self._channel(post).history(limit=HISTORY_LIMIT):
                if me is not None and message.author.id != me.id:
                    continue
                if message.nonce == post.nonce or any(
                    post.occurrence_id in (e.footer.text or "") for e in message.embeds
                ):
                    return message.id
        except discord.HTTPException as e:
            raise _failure(e, post.schedule.channel_id) from None
        return None


def _failure(error: discord.HTTPException, channel_id: int) -> PostError:
    if isinstance(error, discord.NotFound):
        return PostError("the channel no longer exists", transient=False)
    if isinstance(error, discord.Forbidden):
        return PostError(
            f"Sharify may no longer post in <#{channel_id}> ({error.text or 'Missing Permissions'})", transient=False
        )
    if isinstance(error, discord.DiscordServerError) or error.status == 429:
        return PostError(f"Discord error {error.status}", transient=True)
    return PostError(f"Discord refused the post ({error.status} {error.code})", transient=False)
