"""/playlist: create, browse and edit the server's shared playlists. Glue only: parse, call the service, render."""

from __future__ import annotations

import functools
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.models import Entry, Playlist, PlaylistMode
from bot.domain.permissions import Actor
from bot.domain.services.guilds import GuildService
from bot.domain.services.music import MusicService, Playing, Resolved
from bot.domain.services.playlists import PlaylistService
from cogs.common import (
    LASTFM_BUDGET,
    actor_of,
    choices_within,
    clip,
    duration,
    safe,
    send,
    track_choices,
    within_deadline,
)
from cogs.playlists import embeds
from cogs.playlists.views import PageButton

Choice = app_commands.Choice
MODES = [Choice(name=m.value, value=m.value) for m in PlaylistMode]


@app_commands.guild_only()
class PlaylistCog(commands.GroupCog, group_name="playlist", group_description="Your server's shared playlists"):
    collaborators = app_commands.Group(name="collaborators", description="Who may edit a collaborative playlist")

    def __init__(self, playlists: PlaylistService, music: MusicService, guilds: GuildService) -> None:
        self.playlists = playlists
        self.music = music
        self.guilds = guilds
        super().__init__()

    async def _actor(self, interaction: discord.Interaction) -> Actor:
        return await actor_of(interaction, self.guilds)

    # -- autocomplete ---------------------------------------------------------------------------------------------

    async def _names(self, interaction: discord.Interaction, current: str, *, trash: bool) -> list[Choice[str]]:
        async def names() -> list[Choice[str]]:
            found = await self.playlists.suggest_names(interaction.guild_id or 0, current, trash=trash)
            return [Choice(name=n, value=n) for n in found]

        return await choices_within(names())

    async def playlist_names(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await self._names(interaction, current, trash=False)

    async def trashed_names(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await self._names(interaction, current, trash=True)

    async def track_suggestions(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await track_choices(self.music, current)

    async def playlist_tracks(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        name = str(getattr(interaction.namespace, "name", "") or "")

        async def tracks() -> list[Choice[str]]:
            found = await self.playlists.suggest_entries(interaction.guild_id or 0, name, current)
            return [
                Choice(name=clip(f"{pos}. {e.track.artist} - {e.track.title}", 100), value=f"id:{e.id}")
                for pos, e in found
            ]

        return await choices_within(tracks())

    # -- commands -------------------------------------------------------------------------------------------------

    @app_commands.command(name="create", description="Start a new shared playlist")
    @app_commands.describe(name="Up to 100 characters", description="What it is for", mode="Who may edit it")
    @app_commands.choices(mode=MODES)
    async def create(
        self,
        interaction: discord.Interaction,
        name: str,
        description: str = "",
        mode: Choice[str] | None = None,
    ) -> None:
        actor = await self._actor(interaction)
        chosen = PlaylistMode(mode.value) if mode else PlaylistMode.OPEN
        p = await within_deadline(interaction, self.playlists.create(actor, name, description, chosen))
        await send(interaction, f"Created **{safe(p.name)}** ({p.mode.value}). Add tracks with `/playlist add`.")

    @app_commands.command(name="list", description="The playlists on this server")
    @app_commands.describe(trash="Show the trash instead")
    async def list_(self, interaction: discord.Interaction, trash: bool = False) -> None:
        found = await within_deadline(interaction, self.playlists.playlists(interaction.guild_id or 0, trash=trash))
        await send(interaction, embed=embeds.playlist_list(found, trash=trash))

    @app_commands.command(name="show", description="Show a playlist's tracks")
    @app_commands.autocomplete(name=playlist_names)
    async def show(self, interaction: discord.Interaction, name: str, page: app_commands.Range[int, 1] = 1) -> None:
        first = await within_deadline(interaction, self.playlists.page(interaction.guild_id or 0, name, page))
        view = self.pager.row_for(first)
        pager: dict[str, Any] = {"view": view} if view else {}  # one page: no buttons
        await send(interaction, embed=embeds.playlist_page(first), **pager)

    @functools.cached_property
    def pager(self) -> type[PageButton]:
        """The pager's button type, bound to this cog's service; setup registers it with the bot."""
        return PageButton.bound(self.playlists)

    @app_commands.command(name="rename", description="Rename a playlist")
    @app_commands.autocomplete(name=playlist_names)
    async def rename(self, interaction: discord.Interaction, name: str, new_name: str) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.rename(actor, name, new_name))
        await send(interaction, f"Renamed to **{safe(p.name)}**.")

    @app_commands.command(name="describe", description="Change a playlist's description")
    @app_commands.autocomplete(name=playlist_names)
    async def describe(self, interaction: discord.Interaction, name: str, description: str = "") -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.describe(actor, name, description))
        await send(interaction, f"Updated the description of **{safe(p.name)}**.")

    @app_commands.command(name="mode", description="Who may edit: open, collaborative or locked")
    @app_commands.autocomplete(name=playlist_names)
    @app_commands.choices(mode=MODES)
    async def mode(self, interaction: discord.Interaction, name: str, mode: Choice[str]) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.set_mode(actor, name, PlaylistMode(mode.value)))
        await send(interaction, f"**{safe(p.name)}** is now {embeds.MODE_TEXT[p.mode]}.")

    @app_commands.command(name="delete", description="Move a playlist to the trash (restorable for 30 days)")
    @app_commands.autocomplete(name=playlist_names)
    async def delete(self, interaction: discord.Interaction, name: str) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.delete(actor, name))
        days = self.playlists.limits.trash_days
        await send(
            interaction,
            f"Moved **{safe(p.name)}** to the trash. `/playlist restore` brings it back within {days} days.",
        )

    @app_commands.command(name="restore", description="Bring a playlist back from the trash")
    @app_commands.autocomplete(name=trashed_names)
    async def restore(self, interaction: discord.Interaction, name: str) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.restore(actor, name))
        await send(interaction, f"Restored **{safe(p.name)}** with its {p.track_count:,} tracks.")

    @app_commands.command(name="add", description="Add a track: search Last.fm as you type, or write Artist - Title")
    @app_commands.describe(track='Start typing to search Last.fm, or write "Artist - Title"')
    @app_commands.autocomplete(name=playlist_names, track=track_suggestions)
    async def add(self, interaction: discord.Interaction, name: str, track: str) -> None:
        actor = await self._actor(interaction)

        added = await within_deadline(interaction, self.playlists.add_typed(actor, name, track), budget=LASTFM_BUDGET)
        assert isinstance(added.source, Resolved)
        await send(interaction, added_message(added.playlist, added.entries[0], added.source, typed=track))

    @app_commands.command(name="add-playing", description="Add what you're scrobbling now (or played last)")
    @app_commands.describe(name="The playlist (default: the one you last added to)")
    @app_commands.autocomplete(name=playlist_names)
    async def add_playing(self, interaction: discord.Interaction, name: str | None = None) -> None:
        actor = await self._actor(interaction)

        added = await within_deadline(interaction, self.playlists.add_playing(actor, name), budget=LASTFM_BUDGET)
        playing, p, entry = added.source, added.playlist, added.entries[0]
        assert isinstance(playing, Playing)
        when = "now playing" if playing.item.now_playing else "last played"
        t = entry.track
        await send(
            interaction,
            f"Added **{safe(t.artist)}** — {safe(t.title)} ({when} by {safe(playing.account.lastfm_username)}) "
            f"to **{safe(p.name)}**.",
        )

    @app_commands.command(name="remove", description="Remove a track, by position or by picking it")
    @app_commands.describe(track="Its position (e.g. 3) or pick one as you type")
    @app_commands.autocomplete(name=playlist_names, track=playlist_tracks)
    async def remove(self, interaction: discord.Interaction, name: str, track: str) -> None:
        actor = await self._actor(interaction)
        e = await within_deadline(interaction, self.playlists.remove(actor, name, track))
        await send(
            interaction, f"Removed **{safe(e.track.artist)}** — {safe(e.track.title)}. `/playlist undo` puts it back."
        )

    @app_commands.command(name="move", description="Move a track to another position")
    @app_commands.describe(track="Its position (e.g. 3) or pick one as you type", to="The new position (1 = first)")
    @app_commands.autocomplete(name=playlist_names, track=playlist_tracks)
    async def move(
        self, interaction: discord.Interaction, name: str, track: str, to: app_commands.Range[int, 1]
    ) -> None:
        actor = await self._actor(interaction)
        e, position = await within_deadline(interaction, self.playlists.move(actor, name, track, to))
        await send(interaction, f"Moved **{safe(e.track.artist)}** — {safe(e.track.title)} to #{position}.")

    @app_commands.command(
        name="dedupe", description="Remove duplicate tracks (case, spacing and feat. credits ignored)"
    )
    @app_commands.autocomplete(name=playlist_names)
    async def dedupe(self, interaction: discord.Interaction, name: str) -> None:
        actor = await self._actor(interaction)
        removed = await within_deadline(interaction, self.playlists.dedupe(actor, name))
        if not removed:
            await send(interaction, "No duplicates found.", ephemeral=True)
            return
        listed = "\n".join(f"• {safe(e.track.artist, 60)} — {safe(e.track.title, 80)}" for e in removed[:10])
        more = f"\n…and {len(removed) - 10} more" if len(removed) > 10 else ""
        await send(interaction, clip(f"Removed {len(removed)} duplicate(s):\n{listed}{more}", 2000))

    @app_commands.command(name="history", description="Who changed what, and when")
    @app_commands.autocomplete(name=playlist_names)
    async def history(self, interaction: discord.Interaction, name: str | None = None) -> None:
        events = await within_deadline(interaction, self.playlists.history(interaction.guild_id or 0, name))
        await send(interaction, embed=embeds.history(events, playlist=name), ephemeral=True)

    @app_commands.command(name="undo", description="Undo your last change (managers: anyone's)")
    @app_commands.describe(name="Only on this playlist", member="Managers: undo this member's last change")
    @app_commands.autocomplete(name=playlist_names)
    async def undo(
        self, interaction: discord.Interaction, name: str | None = None, member: discord.Member | None = None
    ) -> None:
        actor = await self._actor(interaction)
        user_id = member.id if member else None
        event = await within_deadline(interaction, self.playlists.undo(actor, name, user_id=user_id))
        await send(interaction, f"Undone: {safe(event.summary, 1800)}")

    @collaborators.command(name="add", description="Let a member or a role edit a collaborative playlist")
    @app_commands.autocomplete(name=playlist_names)
    async def collaborators_add(
        self,
        interaction: discord.Interaction,
        name: str,
        member: discord.Member | None = None,
        role: discord.Role | None = None,
    ) -> None:
        await self._collaborator(interaction, name, member, role, add=True)

    @collaborators.command(name="remove", description="Stop a member or a role from editing")
    @app_commands.autocomplete(name=playlist_names)
    async def collaborators_remove(
        self,
        interaction: discord.Interaction,
        name: str,
        member: discord.Member | None = None,
        role: discord.Role | None = None,
    ) -> None:
        await self._collaborator(interaction, name, member, role, add=False)

    async def _collaborator(
        self,
        interaction: discord.Interaction,
        name: str,
        member: discord.Member | None,
        role: discord.Role | None,
        *,
        add: bool,
    ) -> None:
        actor = await self._actor(interaction)
        user_id, role_id = (member.id if member else None), (role.id if role else None)
        p = await within_deadline(
            interaction, self.playlists.set_collaborator(actor, name, user_id=user_id, role_id=role_id, add=add)
        )
        who = member.mention if member else role.mention if role else "?"
        note = "" if p.mode is PlaylistMode.COLLABORATIVE else " (it takes effect in collaborative mode)"
        await send(
            interaction, f"{'Added' if add else 'Removed'} {who} {'to' if add else 'from'} **{safe(p.name)}**{note}."
        )


def added_message(p: Playlist, entry: Entry, resolved: Resolved, *, typed: str) -> str:
    t = entry.track
    length = f" `{duration(t.duration_s)}`" if t.duration_s else ""
    message = f"Added **{safe(t.artist)}** — {safe(t.title)}{length} to **{safe(p.name)}**."
    if resolved.corrected:
        message += f" (Last.fm's spelling of “{safe(typed, 200)}”.)"
    if not resolved.verified:
        message += "\n-# Not checked on Last.fm (it isn't answering or isn't set up), so it was added as typed."
    return message
