"""The pager under /playlist show: first/prev/next/last, for the member who opened it, disabled on timeout."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import discord

from bot.domain.services.playlists import PlaylistPage
from bot.tree import reply_error
from cogs.playlists.embeds import playlist_page

Fetch = Callable[[int], Awaitable[PlaylistPage]]


class PagerView(discord.ui.View):
    def __init__(self, *, owner_id: int, fetch: Fetch, page: PlaylistPage, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self.fetch = fetch
        self.interaction: discord.Interaction | None = None  # the one that sent the message, to edit on timeout
        self._sync(page)

    def _sync(self, page: PlaylistPage) -> None:
        self.page, self.pages = page.page, page.pages
        self.first.disabled = self.prev.disabled = page.page <= 1
        self.next.disabled = self.last.disabled = page.page >= page.pages

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(
            "These buttons belong to whoever opened this list; use `/playlist show` to browse it yourself.",
            ephemeral=True,
        )
        return False

    async def _go(self, interaction: discord.Interaction, page_no: int) -> None:
        page = await self.fetch(page_no)
        self._sync(page)
        await interaction.response.edit_message(embed=playlist_page(page), view=self)

    @discord.ui.button(label="First", style=discord.ButtonStyle.secondary, custom_id="sharify:pager:first")
    async def first(self, interaction: discord.Interaction, _: discord.ui.Button[PagerView]) -> None:
        await self._go(interaction, 1)

    @discord.ui.button(label="Prev", style=discord.ButtonStyle.primary, custom_id="sharify:pager:prev")
    async def prev(self, interaction: discord.Interaction, _: discord.ui.Button[PagerView]) -> None:
        await self._go(interaction, self.page - 1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.primary, custom_id="sharify:pager:next")
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[PagerView]) -> None:
        await self._go(interaction, self.page + 1)

    @discord.ui.button(label="Last", style=discord.ButtonStyle.secondary, custom_id="sharify:pager:last")
    async def last(self, interaction: discord.Interaction, _: discord.ui.Button[PagerView]) -> None:
        await self._go(interaction, self.pages)

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.interaction is not None:
            # the message may be gone or the token expired: then there is nothing to disable
            with contextlib.suppress(discord.HTTPException):
                await self.interaction.edit_original_response(view=self)

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[PagerView]
    ) -> None:
        await reply_error(interaction, error, where="playlist show pager")
