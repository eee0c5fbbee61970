"""The /playlist command options: playlist names (one autocomplete, one rule), the edit mode, and option lengths.

Discord enforces an option's max_length in the client, so an overlong name never reaches the bot; the domain
checks the same limits again for anything that arrives another way (imports, the store)."""

from __future__ import annotations

import enum
from typing import Protocol, cast

import discord
from discord import app_commands

from bot.domain.models import PlaylistMode
from bot.domain.services.playlists import PlaylistService
from bot.domain.text import DESCRIPTION_MAX, NAME_MAX
from cogs.common import choices_within

TRACK_MAX = 300  # "Artist - Title" as typed; the domain's own limit per field is 200
Choice = app_commands.Choice

Description = app_commands.Range[str, None, DESCRIPTION_MAX]
NewName = app_commands.Range[str, 1, NAME_MAX]
TrackText = app_commands.Range[str, 1, TRACK_MAX]


class Mode(enum.Enum):
    """Who may edit (discord.py offers an Enum's members as the option's choices, named as written here)."""

    open = PlaylistMode.OPEN.value
    collaborative = PlaylistMode.COLLABORATIVE.value
    locked = PlaylistMode.LOCKED.value

    @property
    def domain(self) -> PlaylistMode:
        return PlaylistMode(self.value)


class _HasPlaylists(Protocol):
    playlists: PlaylistService


class PlaylistName(app_commands.Transformer):
    """A live playlist of this server, by name: suggests names as the member types, and is at most 100 characters.

    The service behind the suggestions is the cog's own (the command's binding), so nothing global is read."""

    trash = False

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.string

    @property
    def min_value(self) -> int:
        return 1

    @property
    def max_value(self) -> int:
        return NAME_MAX

    async def transform(self, interaction: discord.Interaction, value: str, /) -> str:
        return value.strip()

    async def autocomplete(  # type: ignore[override]  # narrower than the base's int | float | str, as Discord sends
        self, interaction: discord.Interaction, value: str, /
    ) -> list[Choice[str]]:
        binding = cast(_HasPlaylists, getattr(interaction.command, "binding", None))

        async def names() -> list[Choice[str]]:
            found = await binding.playlists.suggest_names(interaction.guild_id or 0, str(value), trash=self.trash)
            return [Choice(name=n, value=n) for n in found]

        return await choices_within(names())


class TrashedName(PlaylistName):
    """A playlist in this server's trash, by name."""

    trash = True


Name = app_commands.Transform[str, PlaylistName]
Trashed = app_commands.Transform[str, TrashedName]
