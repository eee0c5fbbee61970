"""A one-question view: a confirm button (and Cancel) that only the member who was asked may press.

The state lives in the view (discord.py keeps it until the timeout, then forgets it): the question expires, its
buttons are disabled, and a late click gets Discord's "This interaction failed" as for any expired view."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.tree import reply_error

CONFIRM_TIMEOUT_S = 120.0

OnConfirm = Callable[[discord.Interaction[Any]], Awaitable[None]]


class Confirm(discord.ui.View):
    def __init__(
        self,
        owner_id: int,
        on_confirm: OnConfirm,
        *,
        label: str,
        namespace: str,
        danger: bool = False,
        timeout: float = CONFIRM_TIMEOUT_S,
    ) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self._on_confirm = on_confirm
        self.message: discord.InteractionMessage | None = None
        style = discord.ButtonStyle.danger if danger else discord.ButtonStyle.primary
        yes: discord.ui.Button[Confirm] = discord.ui.Button(
            label=label, style=style, custom_id=f"sharify:{namespace}:y"
        )
        no: discord.ui.Button[Confirm] = discord.ui.Button(
            label="Cancel", style=discord.ButtonStyle.secondary, custom_id=f"sharify:{namespace}:n"
        )
        yes.callback = self._yes  # type: ignore[method-assign]
        no.callback = self._no  # type: ignore[method-assign]
        self.add_item(yes)
        self.add_item(no)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("This question was for someone else.", ephemeral=True)
        return False

    def _disable(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        self.stop()

    async def _yes(self, interaction: discord.Interaction[Any]) -> None:
        self._disable()
        try:
            await interaction.response.edit_message(view=self)
            await self._on_confirm(interaction)
        except Exception as error:  # a button has no command tree handler: answer as the tree would
            await reply_error(interaction, error, where=f"confirm {self.owner_id}")

    async def _no(self, interaction: discord.Interaction[Any]) -> None:
        self._disable()
        await interaction.response.edit_message(content="Cancelled: nothing was changed.", view=self)

    async def on_timeout(self) -> None:
        self._disable()
        if self.message is not None:
            with contextlib.suppress(discord.HTTPException):  # gone or not editable: the buttons expire anyway
                await self.message.edit(view=self)
