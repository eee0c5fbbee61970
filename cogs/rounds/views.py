"""The round's buttons and the submit modal.

Every button is one dynamic item whose custom_id carries the round, the action and (for the ballot) the track and
the page: "sharify:rd:<round id>:<action>:<submission id or ->:<page>", actions s (Submit), v (Vote), t (toggle a
vote), p (turn the ballot's page). Nothing is kept per message, so the announcement's buttons keep working across
restarts for as long as the round runs.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol, Self, cast

import discord

from bot.domain.rounds.models import Phase, Round
from bot.domain.services.rounds import Ballot
from bot.tree import reply_error
from cogs.rounds.embeds import BALLOT_PAGE, pages

TEMPLATE = r"sharify:rd:(?P<rid>[0-9a-f]{24}):(?P<act>[svtp]):(?P<sid>[0-9a-f]{24}|-):(?P<page>[0-9]{1,4})"
TRACK_MAX = 300


class Handler(Protocol):
    async def pressed(self, interaction: discord.Interaction, act: str, round_id: str, sid: str, page: int) -> None: ...

    async def submitted(self, interaction: discord.Interaction, round_id: str, typed: str) -> None: ...


def custom_id(round_id: str, act: str, sid: str = "-", page: int = 1) -> str:
    return f"sharify:rd:{round_id}:{act}:{sid}:{page}"


class RoundButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
    """`bound(handler)` gives the subclass that knows the cog; that one is registered and rendered."""

    handler: ClassVar[Handler | None] = None

    def __init__(self, round_id: str, act: str, sid: str = "-", page: int = 1, **button: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id(round_id, act, sid, page), **button))
        self.round_id, self.act, self.sid, self.page = round_id, act, sid, page

    @classmethod
    def bound(cls, handler: Handler) -> type[RoundButton]:
        return cast(type[RoundButton], type("BoundRoundButton", (cls,), {"handler": handler}, template=TEMPLATE))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["rid"], match["act"], match["sid"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        assert self.handler is not None, "render and register RoundButton.bound(...)"
        try:
            await self.handler.pressed(interaction, self.act, self.round_id, self.sid, self.page)
        except Exception as error:  # a click has no command tree handler: answer here, as the tree would
            await reply_error(interaction, error, where=f"round button {self.act}")

    @classmethod
    def announcement(cls, r: Round) -> discord.ui.View | None:
        """Submit while open, Vote while voting, nothing afterwards."""
        if r.phase is Phase.OPEN:
            item = cls(r.id, "s", label="Submit", style=discord.ButtonStyle.success, emoji="➕")
        elif r.phase is Phase.VOTING:
            item = cls(r.id, "v", label="Vote", style=discord.ButtonStyle.primary, emoji="🗳️")
        else:
            return None
        view = discord.ui.View(timeout=None)
        view.add_item(item)
        return view

    @classmethod
    def ballot(cls, b: Ballot, page: int, voter_id: int) -> discord.ui.View:
        """One toggle per track on the page (green: voted for; disabled: your own), then Prev and Next."""
        view = discord.ui.View(timeout=None)
        r = b.round
        chunk = b.submissions[(page - 1) * BALLOT_PAGE : page * BALLOT_PAGE]
        for i, s in enumerate(chunk, start=1):
            style = discord.ButtonStyle.success if s.id in b.mine else discord.ButtonStyle.secondary
            view.add_item(cls(r.id, "t", s.id, page, label=str(i), style=style, disabled=s.member_id == voter_id))
        last = pages(len(b.submissions))
        if last > 1:
            prev = cls(r.id, "p", "-", max(page - 1, 1), label="Prev", row=1, disabled=page <= 1)
            nxt = cls(r.id, "p", "-", min(page + 1, last), label="Next", row=1, disabled=page >= last)
            # Prev and Next on the first or last page would share a custom_id: Discord wants them distinct.
            if prev.item.custom_id == nxt.item.custom_id:
                nxt = cls(r.id, "p", "-", last + 1, label="Next", row=1, disabled=True)
            view.add_item(prev)
            view.add_item(nxt)
        return view


class SubmitModal(discord.ui.Modal, title="Submit a track"):
    track: discord.ui.TextInput[SubmitModal] = discord.ui.TextInput(
        label="Artist - Title, or words to search",
        placeholder="Kavinsky - Nightcall",
        min_length=1,
        max_length=TRACK_MAX,
    )

    def __init__(self, handler: Handler, round_id: str) -> None:
        super().__init__(timeout=900)
        self.handler, self.round_id = handler, round_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.handler.submitted(interaction, self.round_id, self.track.value)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await reply_error(interaction, error, where="round submit")
