"""/playlist share: the Discord side of a playlist's public web page. Glue only: the share service decides; this
module words the answer. The URL in it is built by Sharify (the configured public address and a random token), so
it may be a link; the playlist's name is made inert."""

from __future__ import annotations

import discord

from bot.domain.errors import InvalidInput
from bot.domain.services.guilds import GuildService
from bot.domain.services.share import ShareService, ShareState
from cogs.common import actor_of, safe, send, within_deadline

PAGES_OFF = "Share pages aren't turned on for this Sharify (its host sets SHARIFY_WEB_PORT and SHARIFY_PUBLIC_URL)."


async def share(
    interaction: discord.Interaction,
    shares: ShareService,
    guilds: GuildService,
    *,
    name: str,
    state: str,
    indexing: bool | None,
) -> None:
    on = state != "off"
    if on and shares.public_url is None:
        raise InvalidInput(PAGES_OFF)
    actor = await actor_of(interaction, guilds)
    done = await within_deadline(interaction, shares.turn(actor, name, on=on, indexable=indexing), ephemeral=True)
    await send(interaction, answer(done), ephemeral=True)


def answer(done: ShareState) -> str:
    name = f"**{safe(done.playlist.name, 100)}**"
    if done.share is None:
        if not done.changed:
            return f"{name} has no public page."
        return f"{name}'s public page is off: its link no longer works. Turning it on again gives a new link."
    verb = "now has a public page" if done.changed else "has a public page"
    search = "search engines may list it" if done.share.indexable else "search engines are asked not to list it"
    return (
        f"{name} {verb}: {done.url}\n"
        f"Anyone with the link can see its tracks and download it; {search}. "
        "`/playlist share state:off` turns it off and the link stops working at once."
    )


def page_field(embed: discord.Embed, url: str | None) -> discord.Embed:
    """/playlist show's mention of the public page, when it is on."""
    if url:
        embed.add_field(name="Public page", value=url, inline=False)
    return embed
