"""The buttons under a mix preview (pages, Save as playlist, Add to playlist, Reroll), the save modal and the
playlist select, and the small store that keeps recent mixes for them.

The buttons are dynamic items: their custom_id carries the action, the mix id and the page, so they are routed
even after a restart; the mix itself lives in a bounded in-memory store (LRU, 30 minutes), and a press after it
is gone says the mix expired.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from re import Match
from typing import Any, Protocol

import discord

from bot.domain.clock import Clock
from bot.domain.mixes.model import Mix
from bot.domain.models import Playlist
from bot.tree import reply_error
from cogs.common import clip
from cogs.mixes.embeds import pages

KEEP_S = 30 * 60
KEEP_MIXES = 500
TEMPLATE = r"sharify:mix:(?P<action>prev|next|save|add|reroll):(?P<id>[0-9a-f]{16}):(?P<page>\d{1,3})"
EXPIRED = "This mix has expired (mixes are kept for 30 minutes, and not across restarts). Run `/mix` again."


@dataclass
class Held:
    owner_id: int
    guild_id: int
    mix: Mix
    at: float


class MixStore:
    """The most recent mixes by id, at most `size`, each for `keep_s` seconds."""

    def __init__(self, clock: Clock, *, size: int = KEEP_MIXES, keep_s: float = KEEP_S) -> None:
        self._clock, self._size, self._keep = clock, size, keep_s
        self._held: OrderedDict[str, Held] = OrderedDict()

    def put(self, owner_id: int, guild_id: int, mix: Mix, mix_id: str | None = None) -> str:
        mix_id = mix_id or secrets.token_hex(8)
        self._held[mix_id] = Held(owner_id, guild_id, mix, self._clock.monotonic())
        self._held.move_to_end(mix_id)
        while len(self._held) > self._size:
            self._held.popitem(last=False)
        return mix_id

    def get(self, mix_id: str) -> Held | None:
        held = self._held.get(mix_id)
        if held is None or self._clock.monotonic() - held.at > self._keep:
            self._held.pop(mix_id, None)
            return None
        self._held.move_to_end(mix_id)
        return held

    def __len__(self) -> int:
        return len(self._held)


class Handler(Protocol):
    async def pressed(self, interaction: discord.Interaction, action: str, mix_id: str, page: int) -> None: ...


def button_class(handler: Handler) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The dynamic button type, bound to the cog that handles presses (registered with the bot in setup)."""

    class MixButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
        def __init__(self, action: str, mix_id: str, page: int, *, label: str = "", **kw: Any) -> None:
            self.action, self.mix_id, self.page = action, mix_id, page
            custom_id = f"sharify:mix:{action}:{mix_id}:{page}"
            super().__init__(discord.ui.Button(label=label or action, custom_id=custom_id, **kw))

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Match[str], /
        ) -> MixButton:
            return cls(match["action"], match["id"], int(match["page"]))

        async def callback(self, interaction: discord.Interaction) -> None:
            try:
                await handler.pressed(interaction, self.action, self.mix_id, self.page)
            except Exception as e:  # every failure gets a reply; unexpected ones are logged there
                await reply_error(interaction, e, where=f"mix {self.action}")

    return MixButton


MakeButton = Callable[..., discord.ui.Item[Any]]


def preview_view(button: MakeButton, mix_id: str, mix: Mix, page: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    last = pages(mix)
    grey, blue, green = discord.ButtonStyle.secondary, discord.ButtonStyle.primary, discord.ButtonStyle.success
    view.add_item(button("prev", mix_id, page, label="Prev", style=grey, disabled=page <= 1, row=0))
    view.add_item(button("next", mix_id, page, label="Next", style=grey, disabled=page >= last, row=0))
    empty = not mix.picks
    view.add_item(button("save", mix_id, page, label="Save as playlist", style=green, disabled=empty, row=1))
    view.add_item(button("add", mix_id, page, label="Add to playlist", style=blue, disabled=empty, row=1))
    view.add_item(button("reroll", mix_id, page, label="Reroll", style=grey, row=1))
    return view


Save = Callable[[discord.Interaction, str], Awaitable[None]]


class SaveModal(discord.ui.Modal, title="Save as playlist"):
    name: discord.ui.TextInput[SaveModal] = discord.ui.TextInput(
        label="Playlist name", max_length=100, custom_id="sharify:mix:save-name"
    )

    def __init__(self, *, default: str, save: Save) -> None:
        super().__init__(custom_id="sharify:mix:save-modal")
        self.name.default = clip(default, 100)
        self._save = save

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._save(interaction, self.name.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception, /) -> None:  # type: ignore[override]
        await reply_error(interaction, error, where="mix save")


Add = Callable[[discord.Interaction, str], Awaitable[None]]


class AddView(discord.ui.View):
    """A select of the playlists the member may edit; picking one adds the mix to it."""

    def __init__(self, *, owner_id: int, playlists: list[Playlist], add: Add, timeout: float = 300) -> None:
        super().__init__(timeout=timeout)
        self.owner_id, self._add = owner_id, add
        options = [
            discord.SelectOption(label=clip(p.name, 100), value=p.name, description=f"{p.track_count:,} tracks")
            for p in playlists[:25]
        ]
        self.pick: discord.ui.Select[AddView] = discord.ui.Select(
            placeholder="Add the mix to…", custom_id="sharify:mix:add-to", options=options
        )
        self.pick.callback = self._picked  # type: ignore[method-assign]
        self.add_item(self.pick)

    async def _picked(self, interaction: discord.Interaction) -> None:
        await self._add(interaction, self.pick.values[0])

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner_id

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item[AddView]
    ) -> None:
        await reply_error(interaction, error, where="mix add")
