"""/playlist export, import, paste and links: the Discord side of moving playlists between Sharify and any player.

Glue only: the transfer service reads, matches and writes; this module downloads the attachment (size-checked
before and capped while reading), shows progress and the review, and sends files. The review's buttons carry the
review's token in their custom_id and find it in the service's store, so after it expires (or a restart) they say
so instead of failing. The links pager, like /playlist show's, carries everything in its custom_id.
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import PurePosixPath
from typing import Any, ClassVar, Self, cast
from urllib.parse import quote_plus

import aiohttp
import discord

from bot.domain.errors import Forbidden, UpstreamUnavailable
from bot.domain.formats import FileTooLarge
from bot.domain.links import PLATFORMS, lastfm_page, search_links
from bot.domain.models import Track
from bot.domain.permissions import Actor
from bot.domain.services.guilds import GuildService
from bot.domain.services.imports import EXPIRED, Review, Target
from bot.domain.services.playlists import PlaylistPage, PlaylistService
from bot.domain.services.transfer import TransferService
from bot.tree import reply_error
from cogs.common import actor_of, plural
from cogs.playlists import transfer_embeds as embeds
from cogs.playlists.views import PagerButton
from cogs.render import inert

# Discord's default upload limit for bots, 10 MiB (discord-api-docs, reference "Uploading Files": "the default
# maximum file size is 10 MiB"; boosted servers allow more). An interaction says its own in `attachment_size_limit`.
ATTACHMENT_LIMIT = 10 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 30.0
CLICK_BUDGET = 1.5  # seconds before a click defers its update (Discord's deadline is 3 s)
PLATFORM_NAMES = [p.name for p in PLATFORMS] + ["Last.fm"]
LINKS_PAGE = 15
_LASTFM_SEARCH = "https://www.last.fm/search/tracks?q={query}"


# -- export -------------------------------------------------------------------------------------------------------


async def export(interaction: discord.Interaction, transfer: TransferService, name: str, fmt: str) -> None:
    await interaction.response.defer(thinking=True)
    limit = min(ATTACHMENT_LIMIT, interaction.filesize_limit or ATTACHMENT_LIMIT)
    guild = interaction.guild

    def who(user_id: int) -> str | None:
        member = guild.get_member(user_id) if guild else None
        return member.display_name if member else None

    out = await transfer.export(interaction.guild_id or 0, name, fmt, max_bytes=limit, who=who)
    notes = []
    if out.gzipped:
        notes.append("compressed with gzip to fit Discord's upload limit")
    if fmt == "xspf" and not out.with_links:
        notes.append("without per-platform links, to keep the file small")
    note = f"\n-# {'; '.join(notes)}." if notes else ""
    await interaction.followup.send(
        f"{plural(out.tracks, 'track')} as {fmt.upper()}.{note}", file=discord.File(io.BytesIO(out.data), out.filename)
    )


# -- import and paste ---------------------------------------------------------------------------------------------


async def download(url: str, limit: int) -> bytes:
    """The attachment's bytes, refusing anything over `limit` while reading (a size can be wrong or missing)."""
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_S)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as response:
            response.raise_for_status()
            data = await response.content.read(limit + 1)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamUnavailable("Discord didn't hand over the file; please try again.") from exc
    if len(data) > limit:
        raise FileTooLarge(f"The file is over {limit:,} bytes, the limit for imports.")
    return data


async def import_file(
    interaction: discord.Interaction,
    buttons: type[ReviewButton],
    actor: Actor,
    file: discord.Attachment,
    *,
    into: str | None,
    name: str | None,
) -> None:
    transfer = buttons.service()
    chosen = await transfer.begin(actor, into=into, name=name)  # permission first: before any download or lookup
    limit = transfer.limits.max_bytes
    if file.size > limit:
        raise FileTooLarge(f"The file is {file.size:,} bytes; the limit for imports is {limit:,} bytes.")
    await interaction.response.defer(thinking=True)
    data = await download(file.url, limit)
    await review_import(interaction, buttons, actor, chosen, data, source=file.filename)


async def review_import(
    interaction: discord.Interaction,
    buttons: type[ReviewButton],
    actor: Actor,
    chosen: Target | None,
    data: bytes,
    *,
    source: str,
) -> None:
    """Read, match with progress on the deferred reply, then show the review. Nothing is written here."""
    transfer = buttons.service()
    parsed = await transfer.read(data)
    target = await transfer.target(actor, chosen, parsed, fallback=PurePosixPath(source).stem)
    await transfer.check_room(actor, target, len(parsed.entries))

    async def progress(done: int, total: int) -> None:
        await interaction.edit_original_response(content=f"Matching on Last.fm: {done:,} of {total:,}…")

    await progress(0, len(parsed.entries))
    matches = await transfer.match(parsed.entries, progress=progress)
    review = transfer.hold(actor, target, source, parsed, matches)
    await interaction.edit_original_response(
        content=None, embed=embeds.review(review, 1), view=buttons.row_for(review, 1)
    )


class PasteModal(discord.ui.Modal, title="Paste tracks"):
    lines: discord.ui.TextInput[PasteModal] = discord.ui.TextInput(
        label="Tracks, one per line",
        style=discord.TextStyle.paragraph,
        placeholder="Artist - Title\nArtist - Title",
        max_length=4000,
    )

    def __init__(self, buttons: type[ReviewButton], actor: Actor, chosen: Target | None) -> None:
        super().__init__(timeout=900)
        self.buttons, self.actor, self.chosen = buttons, actor, chosen

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        data = self.lines.value.encode("utf-8")
        await review_import(interaction, self.buttons, self.actor, self.chosen, data, source="pasted lines")

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await reply_error(interaction, error, where="playlist paste")


# -- the review's buttons -------------------------------------------------------------------------------------------

# "sharify:im:<token>:<action>:<page>": p/n turn pages, i imports all, m imports matched only, c cancels.
REVIEW_TEMPLATE = r"sharify:im:(?P<token>[0-9a-f]{16}):(?P<act>[pnimc]):(?P<page>[0-9]{1,4})"
REVIEW_BUTTONS = {
    "p": ("Prev", discord.ButtonStyle.secondary),
    "n": ("Next", discord.ButtonStyle.secondary),
    "i": ("Import", discord.ButtonStyle.success),
    "m": ("Import matched only", discord.ButtonStyle.primary),
    "c": ("Cancel", discord.ButtonStyle.danger),
}


class ReviewButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=REVIEW_TEMPLATE):
    transfer: ClassVar[TransferService | None] = None
    guilds: ClassVar[GuildService | None] = None

    def __init__(self, token: str, act: str, page: int, *, disabled: bool = False) -> None:
        label, style = REVIEW_BUTTONS[act]
        button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
            label=label, style=style, disabled=disabled, custom_id=f"sharify:im:{token}:{act}:{page}"
        )
        super().__init__(button)
        self.token, self.act, self.page = token, act, page

    @classmethod
    def bound(cls, transfer: TransferService, guilds: GuildService) -> type[ReviewButton]:
        attrs = {"transfer": transfer, "guilds": guilds}
        return cast(type[ReviewButton], type("BoundReviewButton", (cls,), attrs, template=REVIEW_TEMPLATE))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["token"], match["act"], int(match["page"]))

    @classmethod
    def service(cls) -> TransferService:
        assert cls.transfer is not None, "render and register ReviewButton.bound(...), not ReviewButton"
        return cls.transfer

    @classmethod
    def row_for(cls, review: Review, page: int) -> discord.ui.View:
        """The review's buttons on `page`. Like the pager's, the view holds nothing once sent: a click finds the
        review by the token in its custom_id."""
        view = discord.ui.View(timeout=None)
        pages = embeds.review_pages(review)
        if pages > 1:
            view.add_item(cls(review.token, "p", max(page - 1, 1), disabled=page <= 1))
            view.add_item(cls(review.token, "n", min(page + 1, pages), disabled=page >= pages))
        for act in "imc":
            view.add_item(cls(review.token, act, page, disabled=act == "m" and not embeds.found(review)))
        return view

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._press(interaction)
        except Exception as error:  # a click has no command tree handler: answer here, as the tree would
            await reply_error(interaction, error, where="playlist import review")

    async def _press(self, interaction: discord.Interaction[Any]) -> None:
        assert self.transfer is not None and self.guilds is not None, "register ReviewButton.bound(...)"
        review = self.transfer.reviews.get(self.token)
        if review is None:
            await interaction.response.edit_message(content=EXPIRED, view=_expired())
            return
        actor = await actor_of(interaction, self.guilds)
        if self.act in "pn":
            _only_owner(actor, review)
            await interaction.response.edit_message(
                embed=embeds.review(review, self.page), view=self.row_for(review, self.page)
            )
        elif self.act == "c":
            self.transfer.cancel(actor, self.token)
            await interaction.response.edit_message(
                content="Import cancelled; nothing was written.", embed=None, view=None
            )
        else:
            work = asyncio.ensure_future(self.transfer.commit(actor, self.token, matched_only=self.act == "m"))
            done, _ = await asyncio.wait({work}, timeout=CLICK_BUDGET)
            if not done:
                await interaction.response.defer()
            committed = await work
            content = embeds.committed(committed)
            if interaction.response.is_done():
                await interaction.edit_original_response(content=content, embed=None, view=None)
            else:
                await interaction.response.edit_message(content=content, embed=None, view=None)


def _only_owner(actor: Actor, review: Review) -> None:
    if actor.user_id != review.user_id:
        raise Forbidden("Only the member who started this import can decide it.")


def _expired() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Expired", disabled=True, custom_id="sharify:im:expired"))
    return view


# -- links ----------------------------------------------------------------------------------------------------------

LINKS_TEMPLATE = r"sharify:ln:(?P<pid>[0-9a-f]{1,32}):(?P<platform>[0-9]{1,2}):(?P<page>[0-9]{1,7}):(?P<which>[fpnl])"


def link_for(track: Track, platform: int) -> str:
    """A Sharify-built address for the track on one platform (Last.fm: its page when known, else a search)."""
    if platform < len(PLATFORMS):
        return search_links(track)[platform][1]
    return lastfm_page(track) or _LASTFM_SEARCH.format(query=quote_plus(f"{track.artist} {track.title}"))


def links_embed(page: PlaylistPage, platform: int) -> discord.Embed:
    name = PLATFORM_NAMES[platform]
    lines = []
    for pos, e in page.entries:
        label = inert(f"{e.track.artist} — {e.track.title}", limit=120, where="label")
        lines.append(f"{pos}. [{label}]({link_for(e.track, platform)})")
    embed = discord.Embed(
        title=f"{inert(page.playlist.name, limit=100)} on {name}",
        description="\n".join(lines) or "This playlist has no tracks yet.",
    )
    embed.set_footer(text=f"Page {page.page} of {page.pages} · {plural(page.total, 'track')} · search links")
    return embed


class LinksButton(PagerButton, template=LINKS_TEMPLATE):
    """One button of the pager under /playlist links: the page's tracks as links on one platform."""

    where = "playlist links pager"

    def __init__(self, playlist_id: str, platform: int, page: int, which: str, *, disabled: bool = False) -> None:
        super().__init__(f"sharify:ln:{playlist_id}:{platform}:{page}:{which}", which, disabled=disabled)
        self.playlist_id, self.platform, self.page = playlist_id, platform, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Self:
        return cls(match["pid"], int(match["platform"]), int(match["page"]), match["which"])

    @classmethod
    def row_for(cls, page: PlaylistPage, platform: int) -> discord.ui.View | None:
        pid = page.playlist.id
        return cls.pager_row(page, lambda target, which, disabled: cls(pid, platform, target, which, disabled=disabled))

    async def turn(self, interaction: discord.Interaction[Any], playlists: PlaylistService) -> None:
        platform = min(self.platform, len(PLATFORM_NAMES) - 1)
        page = await playlists.page_of(interaction.guild_id or 0, self.playlist_id, self.page, size=LINKS_PAGE)
        await interaction.response.edit_message(embed=links_embed(page, platform), view=self.row_for(page, platform))


async def links(interaction: discord.Interaction, buttons: type[LinksButton], name: str, platform: str) -> None:
    assert buttons.playlists is not None, "render and register LinksButton.bound(...)"
    index = PLATFORM_NAMES.index(platform)
    page = await buttons.playlists.page(interaction.guild_id or 0, name, 1, size=LINKS_PAGE)
    view = buttons.row_for(page, index)
    extra: dict[str, Any] = {"view": view} if view else {}
    await interaction.response.send_message(embed=links_embed(page, index), **extra)
