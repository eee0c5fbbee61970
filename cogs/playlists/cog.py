"""/playlist: create, browse and edit the server's shared playlists. Glue only: parse, call the service, render."""

from __future__ import annotations

import functools
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.formats import Format
from bot.domain.models import Entry, Playlist, PlaylistMode
from bot.domain.permissions import Actor
from bot.domain.services.guilds import GuildService
from bot.domain.services.music import MusicService, Playing, Resolved
from bot.domain.services.playlists import Added, PlaylistService
from bot.domain.services.share import ShareService
from bot.domain.services.transfer import TransferService
from cogs.common import (
    LASTFM_BUDGET,
    actor_of,
    choices_within,
    clip,
    duration,
    plural,
    safe,
    send,
    track_choices,
    within_deadline,
)
from cogs.confirm import Confirm
from cogs.playlists import embeds
from cogs.playlists import share as share_glue
from cogs.playlists import transfer as transfer_glue
from cogs.playlists.options import Description, Mode, Name, NewName, TrackText, Trashed
from cogs.playlists.views import PageButton

Choice = app_commands.Choice
Collaborator = discord.Member | discord.Role  # one "mentionable" option: a member or a role


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

    # -- autocomplete (playlist names: cogs.playlists.options.PlaylistName) ---------------------------------------

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
    async def create(
        self,
        interaction: discord.Interaction,
        name: NewName,
        description: Description = "",
        mode: Mode = Mode.open,
    ) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.create(actor, name, description, mode.domain))
        await send(interaction, f"Created **{safe(p.name)}** ({p.mode.value}). Add tracks with `/playlist add`.")

    @app_commands.command(name="list", description="The playlists on this server")
    @app_commands.describe(trash="Show the trash instead")
    async def list_(self, interaction: discord.Interaction, trash: bool = False) -> None:
        found = await within_deadline(interaction, self.playlists.playlists(interaction.guild_id or 0, trash=trash))
        await send(interaction, embed=embeds.playlist_list(found, trash=trash))

    @app_commands.command(name="show", description="Show a playlist's tracks")
    @app_commands.describe(name="The playlist", page="Which page of tracks (10 a page)")
    async def show(self, interaction: discord.Interaction, name: Name, page: app_commands.Range[int, 1] = 1) -> None:
        first = await within_deadline(interaction, self.playlists.page(interaction.guild_id or 0, name, page))
        view = self.pager.row_for(first)
        pager: dict[str, Any] = {"view": view} if view else {}  # one page: no buttons
        note = f"There is no page {page:,}; here is page {first.page:,}, the last." if first.page != page else None
        embed = embeds.playlist_page(first)
        if self.shares is not None:
            share_glue.page_field(embed, (await self.shares.state(first.playlist.guild_id, first.playlist)).url)
        await send(interaction, note, embed=embed, **pager)

    @functools.cached_property
    def pager(self) -> type[PageButton]:
        """The pager's button type, bound to this cog's service; setup registers it with the bot."""
        return PageButton.bound(self.playlists, self.guilds)

    @app_commands.command(name="rename", description="Rename a playlist")
    @app_commands.describe(name="The playlist", new_name="Its new name (up to 100 characters)")
    async def rename(self, interaction: discord.Interaction, name: Name, new_name: NewName) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.rename(actor, name, new_name))
        await send(interaction, f"Renamed to **{safe(p.name)}**.")

    @app_commands.command(name="describe", description="Change a playlist's description")
    @app_commands.describe(name="The playlist", description="What it is for (empty clears it)")
    async def describe(self, interaction: discord.Interaction, name: Name, description: Description = "") -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.describe(actor, name, description))
        await send(interaction, f"Updated the description of **{safe(p.name)}**.")

    @app_commands.command(name="mode", description="Who may edit: open, collaborative or locked")
    @app_commands.describe(
        name="The playlist", mode="open: anyone; collaborative: chosen members and roles; locked: owner"
    )
    async def mode(self, interaction: discord.Interaction, name: Name, mode: Mode) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.set_mode(actor, name, mode.domain))
        await send(interaction, f"**{safe(p.name)}** is now {embeds.MODE_TEXT[p.mode]}.")

    @app_commands.command(name="delete", description="Move a playlist to the trash (restorable for 30 days)")
    @app_commands.describe(name="The playlist to move to the trash")
    async def delete(self, interaction: discord.Interaction, name: Name) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.delete(actor, name))
        days = plural(self.playlists.limits.trash_days, "day")
        await send(
            interaction,
            f"Moved **{safe(p.name)}** to the trash. `/playlist restore` brings it back within {days}.",
        )

    @app_commands.command(name="restore", description="Bring a playlist back from the trash")
    @app_commands.describe(name="A playlist in the trash")
    async def restore(self, interaction: discord.Interaction, name: Trashed) -> None:
        actor = await self._actor(interaction)
        p = await within_deadline(interaction, self.playlists.restore(actor, name))
        await send(interaction, f"Restored **{safe(p.name)}** with its {plural(p.track_count, 'track')}.")

    @app_commands.command(name="add", description="Add a track: search Last.fm as you type, or write Artist - Title")
    @app_commands.describe(name="The playlist", track='Start typing to search Last.fm, or write "Artist - Title"')
    @app_commands.autocomplete(track=track_suggestions)
    async def add(self, interaction: discord.Interaction, name: Name, track: TrackText) -> None:
        actor = await self._actor(interaction)
        work = self.playlists.add_typed(actor, name, track, allow_duplicate=False)
        added = await within_deadline(interaction, work, budget=LASTFM_BUDGET)
        if added.already is None:
            await send(interaction, _added_typed(added, track))
            return

        async def anyway(click: discord.Interaction) -> None:
            again = await self.playlists.add_typed(actor, name, track, allow_duplicate=True)
            await click.followup.send(_added_typed(again, track))

        position, entry = added.already
        view = Confirm(actor.user_id, anyway, label="Add anyway", namespace="dup")
        await send(
            interaction,
            f"**{safe(entry.track.artist)}** — {safe(entry.track.title)} is already in **{safe(added.playlist.name)}**"
            f" (#{position:,}). Add it again?",
            view=view,
            ephemeral=True,
        )
        view.message = await interaction.original_response()

    @app_commands.command(name="add-playing", description="Add what you're scrobbling now (or played last)")
    @app_commands.describe(name="The playlist (default: the one you last added to)")
    async def add_playing(self, interaction: discord.Interaction, name: Name | None = None) -> None:
        actor = await self._actor(interaction)

        added = await within_deadline(interaction, self.playlists.add_playing(actor, name), budget=LASTFM_BUDGET)
        playing, p, entry = added.source, added.playlist, added.entries[0]
        assert isinstance(playing, Playing)
        when = "now playing" if playing.item.now_playing else "last played"
        t = entry.track
        length = f" `{duration(t.duration_s)}`" if t.duration_s else ""
        await send(
            interaction,
            f"Added **{safe(t.artist)}** — {safe(t.title)}{length} ({when} by {safe(playing.account.lastfm_username)})"
            f" to **{safe(p.name)}**.",
        )

    @app_commands.command(name="remove", description="Remove a track, by position or by picking it")
    @app_commands.describe(name="The playlist", track="Its position (e.g. 3) or pick one as you type")
    @app_commands.autocomplete(track=playlist_tracks)
    async def remove(self, interaction: discord.Interaction, name: Name, track: TrackText) -> None:
        actor = await self._actor(interaction)
        e = await within_deadline(interaction, self.playlists.remove(actor, name, track))
        await send(
            interaction, f"Removed **{safe(e.track.artist)}** — {safe(e.track.title)}. `/playlist undo` puts it back."
        )

    @app_commands.command(name="move", description="Move a track to another position")
    @app_commands.describe(
        name="The playlist", track="Its position (e.g. 3) or pick one as you type", to="The new position (1 = first)"
    )
    @app_commands.autocomplete(track=playlist_tracks)
    async def move(
        self, interaction: discord.Interaction, name: Name, track: TrackText, to: app_commands.Range[int, 1]
    ) -> None:
        actor = await self._actor(interaction)
        e, position = await within_deadline(interaction, self.playlists.move(actor, name, track, to))
        note = f" (there is no #{to:,}: #{position:,} is the last)" if position != to else ""
        await send(interaction, f"Moved **{safe(e.track.artist)}** — {safe(e.track.title)} to #{position:,}{note}.")

    @app_commands.command(
        name="dedupe", description="Remove duplicate tracks (case, spacing and feat. credits ignored)"
    )
    @app_commands.describe(name="The playlist")
    async def dedupe(self, interaction: discord.Interaction, name: Name) -> None:
        actor = await self._actor(interaction)
        removed = await within_deadline(interaction, self.playlists.dedupe(actor, name))
        if not removed:
            await send(interaction, "No duplicates found.", ephemeral=True)
            return
        listed = "\n".join(f"• {safe(e.track.artist, 60)} — {safe(e.track.title, 80)}" for e in removed[:10])
        more = f"\n…and {len(removed) - 10:,} more" if len(removed) > 10 else ""
        await send(interaction, clip(f"Removed {plural(len(removed), 'duplicate')}:\n{listed}{more}", 2000))

    @app_commands.command(name="history", description="Who changed what, and when")
    @app_commands.describe(name="Only this playlist (default: the whole server)")
    async def history(self, interaction: discord.Interaction, name: Name | None = None) -> None:
        events = await within_deadline(interaction, self.playlists.history(interaction.guild_id or 0, name))
        await send(interaction, embed=embeds.history(events, playlist=name), ephemeral=True)

    @app_commands.command(name="undo", description="Undo your last change (managers: anyone's)")
    @app_commands.describe(name="Only on this playlist", member="Managers: undo this member's last change")
    async def undo(
        self, interaction: discord.Interaction, name: Name | None = None, member: discord.Member | None = None
    ) -> None:
        actor = await self._actor(interaction)
        user_id = member.id if member else None
        event = await within_deadline(interaction, self.playlists.undo(actor, name, user_id=user_id))
        await send(interaction, f"Undone: {safe(event.summary, 1800)}")

    @collaborators.command(name="add", description="Let a member or a role edit a collaborative playlist")
    @app_commands.describe(name="The playlist", who="A member or a role whose members may edit it")
    async def collaborators_add(self, interaction: discord.Interaction, name: Name, who: Collaborator) -> None:
        await self._collaborator(interaction, name, who, add=True)

    @collaborators.command(name="remove", description="Stop a member or a role from editing")
    @app_commands.describe(name="The playlist", who="The member or role to remove")
    async def collaborators_remove(self, interaction: discord.Interaction, name: Name, who: Collaborator) -> None:
        await self._collaborator(interaction, name, who, add=False)

    async def _collaborator(self, interaction: discord.Interaction, name: str, who: Collaborator, *, add: bool) -> None:
        actor = await self._actor(interaction)
        is_role = isinstance(who, discord.Role)
        user_id, role_id = (None, who.id) if is_role else (who.id, None)
        p = await within_deadline(
            interaction, self.playlists.set_collaborator(actor, name, user_id=user_id, role_id=role_id, add=add)
        )
        note = "" if p.mode is PlaylistMode.COLLABORATIVE else " (it takes effect in collaborative mode)"
        await send(
            interaction,
            f"{'Added' if add else 'Removed'} {who.mention} {'to' if add else 'from'} **{safe(p.name)}**{note}.",
        )

    # -- export, import, paste, links: thin wrappers over cogs/playlists/transfer.py ------------------------------

    transfer_service: TransferService | None = None

    def use_transfer(self, service: TransferService) -> list[type[discord.ui.DynamicItem[Any]]]:
        """Give the cog the transfer service; returns the button types setup registers with the bot."""
        self.transfer_service = service
        self.review_buttons = transfer_glue.ReviewButton.bound(service, self.guilds)
        self.links_buttons = transfer_glue.LinksButton.bound(self.playlists)
        return [self.review_buttons, self.links_buttons]

    @property
    def transfer(self) -> TransferService:
        assert self.transfer_service is not None, "setup calls use_transfer()"
        return self.transfer_service

    shares: ShareService | None = None  # set by setup: /playlist share and show's mention of the page

    @app_commands.command(name="share", description="Turn a playlist's public web page on or off")
    @app_commands.describe(
        name="The playlist",
        state="on: a page anyone with its link can open; off: the link stops working",
        indexing="Let search engines list the page (off unless you say so)",
    )
    @app_commands.choices(state=[Choice(name="on", value="on"), Choice(name="off", value="off")])
    async def share(
        self, interaction: discord.Interaction, name: Name, state: str = "on", indexing: bool | None = None
    ) -> None:
        assert self.shares is not None, "setup sets the share service"
        await share_glue.share(interaction, self.shares, self.guilds, name=name, state=state, indexing=indexing)

    @app_commands.command(name="export", description="Download a playlist as a file for any player")
    @app_commands.describe(name="The playlist", fmt="XSPF, JSPF, M3U8, CSV or plain text")
    @app_commands.rename(fmt="format")
    @app_commands.choices(fmt=[Choice(name=f.value.upper(), value=f.value) for f in Format])
    async def export(self, interaction: discord.Interaction, name: Name, fmt: Choice[str]) -> None:
        await transfer_glue.export(interaction, self.transfer, name, fmt.value)

    @app_commands.command(name="import", description="Import a playlist file, after a review of what Last.fm found")
    @app_commands.describe(
        file="An XSPF, JSPF, M3U/M3U8, CSV or text file",
        into="Add to this playlist (default: a new playlist)",
        name="Name of the new playlist (default: the file's title)",
    )
    async def import_(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        into: Name | None = None,
        name: NewName | None = None,
    ) -> None:
        actor = await self._actor(interaction)
        await transfer_glue.import_file(interaction, self.review_buttons, actor, file, into=into, name=name)

    @app_commands.command(name="paste", description="Paste Artist - Title lines, reviewed before they are added")
    @app_commands.describe(into="Add to this playlist (default: a new playlist)", name="Name of the new playlist")
    async def paste(
        self, interaction: discord.Interaction, into: Name | None = None, name: NewName | None = None
    ) -> None:
        actor = await self._actor(interaction)
        chosen = await self.transfer.begin(actor, into=into, name=name)
        await interaction.response.send_modal(transfer_glue.PasteModal(self.review_buttons, actor, chosen))

    @app_commands.command(name="links", description="A link to every track of a playlist on one platform")
    @app_commands.describe(name="The playlist", platform="Where to open the tracks")
    @app_commands.choices(platform=[Choice(name=p, value=p) for p in transfer_glue.PLATFORM_NAMES])
    async def links(self, interaction: discord.Interaction, name: Name, platform: Choice[str]) -> None:
        await transfer_glue.links(interaction, self.links_buttons, name, platform.value)


def _added_typed(added: Added, typed: str) -> str:
    assert isinstance(added.source, Resolved)
    return added_message(added.playlist, added.entries[0], added.source, typed=typed)


def added_message(p: Playlist, entry: Entry, resolved: Resolved, *, typed: str) -> str:
    t = entry.track
    length = f" `{duration(t.duration_s)}`" if t.duration_s else ""
    message = f"Added **{safe(t.artist)}** — {safe(t.title)}{length} to **{safe(p.name)}**."
    if resolved.corrected:
        message += f" (Last.fm's spelling of “{safe(typed, 200)}”.)"
    if not resolved.verified:
        message += "\n-# Not checked on Last.fm (it isn't answering or isn't set up), so it was added as typed."
    return message
