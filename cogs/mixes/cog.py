"""/mix mood | similar | blend | extend: generated playlists with a preview, Save / Add / Reroll. Glue only: the
mixes are made by MixService; this parses, defers at once, shows progress when it takes a while, and renders."""

from __future__ import annotations

import asyncio
import contextlib
import math
import random

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain import text
from bot.domain.catalog import Period
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput
from bot.domain.mixes.model import BlendInputs, ExtendInputs, Match, Mix, MixInputs, MoodInputs, SimilarInputs
from bot.domain.services.guilds import GuildService
from bot.domain.services.mixes import MixService, parse_size, parse_tags
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService
from cogs.common import actor_of, choices_within, plural, safe, track_choices
from cogs.mixes import embeds
from cogs.mixes.views import EXPIRED, AddView, MixStore, Save, SaveModal, button_class, preview_view

Choice = app_commands.Choice
PERIODS = [
    Choice(name=label, value=p.value)
    for label, p in (
        ("all time", Period.OVERALL), ("last 7 days", Period.WEEK), ("last month", Period.MONTH),
        ("last 3 months", Period.QUARTER), ("last 6 months", Period.HALF_YEAR), ("last year", Period.YEAR),
    )
]  # fmt: skip
MATCHES = [Choice(name="any of the tags", value="any"), Choice(name="all of the tags first", value="all")]
SIZE = app_commands.Range[int, 1, 100]
TAGS = app_commands.Range[str, 1, 300]  # at most five tags of at most 60 characters
LENGTH = app_commands.Range[str, 1, 12]  # "60m", "1h30", "90"
SEED = app_commands.Range[str, 1, 2 * text.FIELD_MAX + 3]  # "Artist - Title"
PLAYLIST = app_commands.Range[str, 1, text.NAME_MAX]
SIZE_HELP = "How many tracks, 1 to 100 (default 25)"
LENGTH_HELP = 'Or a total length instead of a count, e.g. "60m" or "1h30" (5 minutes to 8 hours)'
SEED_HELP = 'Another seed track (start typing to search, or write "Artist - Title")'
MEMBER_HELP = "Another member whose listening to blend (they must have opted in with /lastfm consent)"
NOT_YOURS = "These buttons belong to whoever made this mix; make your own with `/mix`."


@app_commands.guild_only()
class MixCog(commands.GroupCog, group_name="mix", group_description="Generate a playlist: a mood, seeds, a blend"):
    def __init__(
        self,
        mixes: MixService,
        music: MusicService,
        playlists: PlaylistService,
        guilds: GuildService,
        clock: Clock,
        *,
        progress_after: float = 2.0,
        progress_every: float = 1.0,
    ) -> None:
        self.mixes, self.music, self.playlists, self.guilds = mixes, music, playlists, guilds
        self.store = MixStore(clock)
        self.button = button_class(self)
        self.progress_after = progress_after  # seconds before the placeholder shows progress
        self.progress_every = progress_every  # at most one progress edit this often
        super().__init__()

    # -- autocomplete -------------------------------------------------------------------------------------------

    async def tag_choices(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        async def tags() -> list[Choice[str]]:
            return [Choice(name=t, value=t) for t in await self.mixes.suggest_tags(current)]

        return await choices_within(tags())

    async def seed_choices(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return await track_choices(self.music, current)

    async def playlist_choices(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        async def names() -> list[Choice[str]]:
            found = await self.playlists.suggest_names(interaction.guild_id or 0, current)
            return [Choice(name=n, value=n) for n in found]

        return await choices_within(names())

    # -- commands -----------------------------------------------------------------------------------------------

    @app_commands.command(name="mood", description="A mix for an atmosphere, from Last.fm tags")
    @app_commands.describe(
        tags='Up to five Last.fm tags separated by commas, e.g. "rainy, lo-fi"',
        avoid="Leave out artists carrying any of these tags (commas between tags)",
        match="Any of the tags, or tracks in all of them first", size=SIZE_HELP, length=LENGTH_HELP,
    )  # fmt: skip
    @app_commands.autocomplete(tags=tag_choices, avoid=tag_choices)
    @app_commands.choices(match=MATCHES)
    async def mood(  # noqa: PLR0917 - a slash command's options are its parameters
        self, interaction: discord.Interaction, tags: TAGS, avoid: TAGS | None = None,
        match: Choice[str] | None = None, size: SIZE | None = None, length: LENGTH | None = None,
    ) -> None:  # fmt: skip
        inputs = MoodInputs(
            tags=parse_tags(tags),
            avoid=parse_tags(avoid or "", what="tags to avoid"),
            match=Match(match.value) if match else Match.ANY,
            size=parse_size(size, length),
        )
        await self._mix(interaction, inputs)

    @app_commands.command(name="similar", description="Radio from up to three seed tracks")
    @app_commands.describe(
        seed='The first seed track: start typing to search, or write "Artist - Title"', seed2=SEED_HELP,
        seed3=SEED_HELP, size=SIZE_HELP, length=LENGTH_HELP,
    )  # fmt: skip
    @app_commands.autocomplete(seed=seed_choices, seed2=seed_choices, seed3=seed_choices)
    async def similar(  # noqa: PLR0917 - a slash command's options are its parameters
        self, interaction: discord.Interaction, seed: SEED, seed2: SEED | None = None, seed3: SEED | None = None,
        size: SIZE | None = None, length: LENGTH | None = None,
    ) -> None:  # fmt: skip
        seeds = tuple(text.parse_track(s) for s in (seed, seed2, seed3) if s)
        await self._mix(interaction, SimilarInputs(seeds=seeds, size=parse_size(size, length)))

    @app_commands.command(name="blend", description="A server blend of members' Last.fm listening (opt-in)")
    @app_commands.describe(
        member1="Whose listening to blend (default: you and this server's recent playlist editors)",
        member2=MEMBER_HELP, member3=MEMBER_HELP, member4=MEMBER_HELP, member5=MEMBER_HELP,
        period="Top tracks of which period (default: all time)", size=SIZE_HELP, length=LENGTH_HELP,
    )  # fmt: skip
    @app_commands.choices(period=PERIODS)
    async def blend(  # noqa: PLR0917 - a slash command's options are its parameters
        self, interaction: discord.Interaction, member1: discord.Member | None = None,
        member2: discord.Member | None = None, member3: discord.Member | None = None,
        member4: discord.Member | None = None, member5: discord.Member | None = None,
        period: Choice[str] | None = None, size: SIZE | None = None, length: LENGTH | None = None,
    ) -> None:  # fmt: skip
        guild_id = interaction.guild_id or 0
        chosen = [m.id for m in (member1, member2, member3, member4, member5) if m is not None and not m.bot]
        sized = parse_size(size, length)
        if not chosen:
            chosen = [interaction.user.id, *await self.mixes.contributors(guild_id)]
        inputs = BlendInputs(
            guild_id=guild_id,
            user_ids=tuple(dict.fromkeys(chosen)),
            period=Period(period.value) if period else Period.OVERALL,
            size=sized,
        )
        await self._mix(interaction, inputs)

    @app_commands.command(name="extend", description="More tracks like the ones already in a playlist")
    @app_commands.describe(
        playlist="The playlist to find more tracks for", count="How many new tracks, 1 to 100 (default 10)"
    )
    @app_commands.autocomplete(playlist=playlist_choices)
    async def extend(self, interaction: discord.Interaction, playlist: PLAYLIST, count: SIZE = 10) -> None:
        await self._mix(interaction, ExtendInputs(guild_id=interaction.guild_id or 0, playlist=playlist, count=count))

    # -- making and showing a mix -------------------------------------------------------------------------------

    async def _mix(self, interaction: discord.Interaction, inputs: MixInputs) -> None:
        await interaction.response.defer(thinking=True)
        mix = await self._make(interaction, inputs)
        mix_id = self.store.put(interaction.user.id, interaction.guild_id or 0, mix)
        await self._show(interaction, mix_id, mix, 1)

    async def _make(self, interaction: discord.Interaction, inputs: MixInputs, seed: int | None = None) -> Mix:
        """Make the mix; after `progress_after` seconds, show what has been read so far in the placeholder."""
        latest = ["reading Last.fm"]
        changed = asyncio.Event()

        async def report(note: str) -> None:
            latest[0] = note
            changed.set()

        async def show_progress() -> None:
            """From `progress_after` on, edit the placeholder when progress changes, at most every
            `progress_every` seconds (edits are rate limited)."""
            loop = asyncio.get_running_loop()
            await asyncio.sleep(self.progress_after)
            changed.set()
            last = -math.inf
            while True:
                await changed.wait()
                changed.clear()
                await asyncio.sleep(max(0.0, last + self.progress_every - loop.time()))
                last = loop.time()
                with contextlib.suppress(discord.HTTPException):
                    await interaction.edit_original_response(content=embeds.progress(latest[0]))

        ticker = asyncio.create_task(show_progress())
        try:
            return await self.mixes.make(inputs, seed=seed or random.randrange(1, 2**31), progress=report)
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def _show(self, interaction: discord.Interaction, mix_id: str, mix: Mix, page: int) -> None:
        await interaction.edit_original_response(
            content=None, embed=embeds.mix_page(mix, page), view=preview_view(self.button, mix_id, mix, page)
        )

    # -- buttons, modal, select ---------------------------------------------------------------------------------

    async def pressed(self, interaction: discord.Interaction, action: str, mix_id: str, page: int) -> None:
        held = self.store.get(mix_id)
        if held is None:
            await interaction.response.send_message(EXPIRED, ephemeral=True)
            return
        if interaction.user.id != held.owner_id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        mix = held.mix
        match action:
            case "prev" | "next":
                page = page - 1 if action == "prev" else page + 1
                page = min(max(page, 1), embeds.pages(mix))
                view = preview_view(self.button, mix_id, mix, page)
                await interaction.response.edit_message(embed=embeds.mix_page(mix, page), view=view)
            case "reroll":
                await interaction.response.defer()
                new = await self._make(interaction, mix.inputs, seed=random.randrange(1, 2**31))
                self.store.put(held.owner_id, held.guild_id, new, mix_id)
                await self._show(interaction, mix_id, new, 1)
            case "save":
                await interaction.response.send_modal(SaveModal(default=mix.title, save=self._saver(mix)))
            case "add":
                await self._offer_playlists(interaction, mix)

    def _saver(self, mix: Mix) -> Save:
        async def save(interaction: discord.Interaction, name: str) -> None:
            actor = await actor_of(interaction, self.guilds)
            saved = await self.mixes.save(actor, name, mix)
            await interaction.response.send_message(
                f"Saved **{safe(saved.name)}** with {saved.track_count} tracks: see it with `/playlist show`."
            )

        return save

    async def _offer_playlists(self, interaction: discord.Interaction, mix: Mix) -> None:
        actor = await actor_of(interaction, self.guilds)
        found = await self.mixes.editable(actor)
        if not found:
            raise InvalidInput("There is no playlist here you can edit; use **Save as playlist** instead.")

        async def add(picked: discord.Interaction, name: str) -> None:
            playlist, added, already = await self.mixes.add_to(actor, name, mix)
            note = f" ({already} already there)" if already else ""
            await picked.response.edit_message(
                content=f"Added {plural(added, 'track')} to **{safe(playlist.name)}**{note}.", view=None
            )

        view = AddView(owner_id=interaction.user.id, playlists=found, add=add)
        await interaction.response.send_message("Which playlist?", view=view, ephemeral=True)
