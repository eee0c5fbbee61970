"""/help and /about as embeds: fixed text, grouped by what a member wants to do, with an example for each."""

from __future__ import annotations

import importlib.metadata

import discord

COLOUR = discord.Colour(0x1DB954)
LASTFM = "https://www.last.fm"
LASTFM_PRIVACY = "https://www.last.fm/legal/privacy"

# (group, [(command, what it does, an example)])
GROUPS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Playlists",
        (
            ("/playlist create", "start a shared playlist", "/playlist create name:Road trip mode:open"),
            ("/playlist list", "the playlists here (trash:True for the trash)", "/playlist list"),
            ("/playlist show", "a playlist's tracks, 10 a page", "/playlist show name:Road trip page:2"),
            ("/playlist rename · describe · mode", "change its name, description or who edits", ""),
            ("/playlist delete · restore", "move to the trash and back", "/playlist restore name:Road trip"),
        ),
    ),
    (
        "Tracks",
        (
            (
                "/playlist add",
                "search Last.fm as you type",
                "/playlist add name:Road trip track:Daft Punk - One More Time",
            ),
            ("/playlist add-playing", "what you're scrobbling now", "/playlist add-playing name:Road trip"),
            ("/playlist remove · move", "by position or by picking", "/playlist move name:Road trip track:3 to:1"),
            ("/playlist dedupe", "remove duplicates", ""),
        ),
    ),
    (
        "Working together",
        (
            ("/playlist collaborators add · remove", "who edits a collaborative playlist", ""),
            ("/playlist history · undo", "who changed what, and taking it back", "/playlist undo"),
            (
                "/playlist share",
                "a public web page anyone with the link can open (owner or managers)",
                "/playlist share name:Road trip state:on",
            ),
        ),
    ),
    (
        "Rounds",
        (
            (
                "/round start",
                "a themed round: members submit, then vote",
                "/round start playlist:Night drive theme:songs for a night drive closes:friday 18:00 voting:1d",
            ),
            (
                "/round close · reveal",
                "close submissions, then reveal the ranking",
                "/round reveal playlist:Night drive",
            ),
            ("/round status · cancel", "counts so far (never the votes), or call it off", ""),
        ),
    ),
    (
        "Last.fm",
        (
            ("/lastfm link · unlink", "your Last.fm account", "/lastfm link username:your-name"),
            ("/lastfm nowplaying", "what you're playing, with links to every platform", ""),
            ("/track info", "album, length, tags and links", "/track info query:Massive Attack - Teardrop"),
        ),
    ),
    (
        "You and this server",
        (
            ("/sharify forget-me", "delete your data and anonymize what you added", ""),
            ("/sharify-admin managers", "roles that manage every playlist (Manage Server)", ""),
            ("/sharify-admin share-pages", "whether public pages show the server's and members' names", ""),
            ("/about", "version, links and privacy", ""),
        ),
    ),
)


def help_embed() -> discord.Embed:
    embed = discord.Embed(
        title="Sharify: your server's shared playlists",
        description="Type `/` and pick a command; options suggest playlists and tracks as you type.",
        colour=COLOUR,
    )
    for group, commands in GROUPS:
        lines = []
        for command, what, example in commands:
            lines.append(f"**{command}**: {what}" + (f"\n-# e.g. `{example}`" if example else ""))
        embed.add_field(name=group, value="\n".join(lines), inline=False)
    return embed


def version() -> str:
    try:
        return importlib.metadata.version("sharify")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def about_embed(*, retention_days: int) -> discord.Embed:
    embed = discord.Embed(
        title="About Sharify",
        description="Collaborative, cross-platform playlists for Discord servers, with track data from "
        f"[Last.fm]({LASTFM}).",
        colour=COLOUR,
    )
    embed.add_field(name="Version", value=version(), inline=True)
    embed.add_field(name="Links", value=f"[Last.fm]({LASTFM}) · [Last.fm privacy]({LASTFM_PRIVACY})", inline=True)
    embed.add_field(
        name="Privacy",
        value=(
            "Sharify keeps this server's playlists, who added each track, a history of changes, manager roles, and"
            " the Last.fm username you link (nothing else about you; Last.fm answers are cached briefly).\n"
            "`/sharify forget-me` deletes your linked account and anonymizes your credits as *a former member*.\n"
            f"When Sharify is removed from a server, that server's data is deleted after {retention_days} days"
            " unless it is added back."
        ),
        inline=False,
    )
    return embed
