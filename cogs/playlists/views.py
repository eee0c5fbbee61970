"""The pager under /playlist show: First/Prev/Next/Last buttons that carry everything they need in their custom_id.

Each button's custom_id names the playlist by id and the page it leads to, so nothing is kept per message: the
buttons work for as long as the message exists, across restarts, and keep showing the same playlist after a rename
or after another playlist takes its old name. The reply is public, so any member who sees it may turn its pages.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, ClassVar, Self, cast

import discord

from bot.domain.services.guilds import GuildService
from bot.domain.services.playlists import PlaylistPage, PlaylistService
from bot.tree import reply_error
from cogs.common import actor_of
from cogs.playlists.embeds import playlist_page

# "sharify:pg:<playlist id>:<target page>:<which button>". Ids are 24 hex digits (an ObjectId in both stores); the
# button letter keeps First and Prev (or Next and Last) distinct when they lead to the same page, as Discord wants
# every custom_id in a message to be unique. Page numbers are bounded: playlists hold at most a few thousand pages.
TEMPLATE = r"sharify:pg:(?P<pid>[0-9a-f]{1,32}):(?P<page>[0-9]{1,7}):(?P<which>[fpnl])"
LAST = 10**7  # asked for by Last: the service clamps it to the playlist's last page as it is at the click
CLICK_BUDGET = 1.5  # seconds before a click defers its update (Discord's deadline is 3 s)

BUTTONS: tuple[tuple[str, str, discord.ButtonStyle], ...] = (
    ("f", "First", discord.ButtonStyle.secondary),
    ("p", "Prev", discord.ButtonStyle.primary),
    ("n", "Next", discord.ButtonStyle.primary),
    ("l", "Last", discord.ButtonStyle.secondary),
)


def custom_id(playlist_id: str, page: int, which: str) -> str:
    return f"sharify:pg:{playlist_id}:{page}:{which}"


def targets(page: int, pages: int) -> dict[str, tuple[int, bool]]:
    """Each button's target page and whether it is disabled, on `page` of `pages`."""
    return {
        "f": (1, page <= 1),
        "p": (max(page - 1, 1), page <= 1),
        "n": (min(page + 1, pages), page >= pages),
        "l": (pages, page >= pages),
    }


def footer_note(message: discord.Message | None) -> str | None:
    """What the message's footer says after its "Page n/m" (a scheduled post carries its occurrence there): a page
    turn keeps it. Only the bot's own earlier footer is read back."""
    if message is None or not message.embeds:
        return None
    footer = message.embeds[0].footer.text or ""
    page, sep, note = footer.partition(" · ")
    return note if sep and page.startswith("Page ") and note else None


class PagerButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"(?!)"):
    """What every button that turns a playlist's pages shares, whatever the page shows: First/Prev/Next/Last
    labels, the row built from a page (none for a one-page playlist), the playlist service a click reads
    (`bound()` gives the subclass that knows it; that one is registered with `bot.add_dynamic_items` and rendered,
    so a click finds its way back to the service), and an error reply when a click fails. Subclasses give the
    template and custom_id, and `turn` the page."""

    playlists: ClassVar[PlaylistService | None] = None
    guilds: ClassVar[GuildService | None] = None  # to see who clicks: managers see an anonymous round's submitters
    where: ClassVar[str] = "pager"

    def __init__(self, custom_id: str, which: str, *, disabled: bool) -> None:
        label, style = next((label, style) for w, label, style in BUTTONS if w == which)
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label, style=style, disabled=disabled, custom_id=custom_id
        )
        super().__init__(button)

    @classmethod
    def bound(cls, playlists: PlaylistService, guilds: GuildService | None = None) -> type[Self]:
        template = cls.__discord_ui_compiled_template__
        bound = {"playlists": playlists, "guilds": guilds}
        return cast(type[Self], type(f"Bound{cls.__name__}", (cls,), bound, template=template))

    @staticmethod
    def pager_row(
        page: PlaylistPage, button: Callable[[int, str, bool], discord.ui.Item[Any]]
    ) -> discord.ui.View | None:
        """The row of buttons for `page`, `button(target page, which, disabled)` making each. The view has no
        timeout and holds nothing after it is sent (every item is dynamic), so a thousand shows keep nothing alive."""
        if page.pages <= 1:
            return None
        view = discord.ui.View(timeout=None)
        for which, (target, disabled) in targets(page.page, page.pages).items():
            view.add_item(button(target, which, disabled))
        return view

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            assert self.playlists is not None, f"render and register {type(self).__name__}.bound(...)"
            await self.turn(interaction, self.playlists)
        except Exception as error:  # a click has no command tree handler: answer here, as the tree would
            await reply_error(interaction, error, where=self.where)

    async def turn(self, interaction: discord.Interaction[Any], playlists: PlaylistService) -> None:
        raise NotImplementedError


class PageButton(PagerButton, template=TEMPLATE):
    """One button of the pager under /playlist show."""

    where = "playlist show pager"

    def __init__(self, playlist_id: str, page: int, which: str, *, disabled: bool = False) -> None:
        super().__init__(custom_id(playlist_id, page, which), which, disabled=disabled)
        self.playlist_id, self.page, self.which = playlist_id, page, which

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["pid"], int(match["page"]), match["which"])

    @classmethod
    def row_for(cls, page: PlaylistPage) -> discord.ui.View | None:
        return cls.pager_row(
            page, lambda target, which, disabled: cls(page.playlist.id, target, which, disabled=disabled)
        )

    async def turn(self, interaction: discord.Interaction[Any], playlists: PlaylistService) -> None:
        target = LAST if self.which == "l" else self.page
        work = asyncio.ensure_future(self._page(interaction, playlists, target))
        done, _ = await asyncio.wait({work}, timeout=CLICK_BUDGET)
        if not done:
            await interaction.response.defer()  # "update the message later": no new message, no spinner
        page = await work
        embed, view = playlist_page(page), type(self).row_for(page)
        if kept := footer_note(interaction.message):  # e.g. a scheduled post's occurrence: it must stay findable
            embed.set_footer(text=f"{embed.footer.text} · {kept}")
        if interaction.response.is_done():
            await interaction.edit_original_response(embed=embed, view=view)
        else:
            await interaction.response.edit_message(embed=embed, view=view)

    async def _page(
        self, interaction: discord.Interaction[Any], playlists: PlaylistService, target: int
    ) -> PlaylistPage:
        viewer = await actor_of(interaction, self.guilds) if self.guilds is not None and interaction.guild_id else None
        return await playlists.page_of(interaction.guild_id or 0, self.playlist_id, target, viewer=viewer)
