"""A throwaway discord.py bot exercising every interaction shape, and fixtures running it on the simulator."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.sandbox.discord_sim import DiscordSimulator, SimGuild

from .spec_count import pytest_terminal_summary  # noqa: F401 - the spec counter, printed after the run


class RenameModal(discord.ui.Modal, title="Rename playlist"):
    new_name: discord.ui.TextInput[RenameModal] = discord.ui.TextInput(
        label="New name", custom_id="rename:name", max_length=50
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"renamed to {self.new_name.value}", ephemeral=True)


class Pager(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)
        self.page = 1

    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next_page(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        self.page += 1
        await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @discord.ui.button(label="Rename", custom_id="pager:rename")
    async def rename(self, interaction: discord.Interaction, button: discord.ui.Button[Pager]) -> None:
        await interaction.response.send_modal(RenameModal())

    @discord.ui.select(
        placeholder="Pick a mode",
        custom_id="pager:mode",
        options=[
            discord.SelectOption(label="Open", value="open"),
            discord.SelectOption(label="Locked", value="locked"),
        ],
    )
    async def mode(self, interaction: discord.Interaction, select: discord.ui.Select[Pager]) -> None:
        await interaction.response.send_message(f"mode={select.values[0]}", ephemeral=True)


def make_bot(guild_id: int, cls: type[commands.Bot] = commands.Bot, **options: object) -> commands.Bot:
    intents = discord.Intents.default()
    intents.members = True
    bot = cls(command_prefix="!", intents=intents, **options)  # type: ignore[arg-type]
    tree = bot.tree
    bot.seen_errors = []  # type: ignore[attr-defined]

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        bot.seen_errors.append(error)  # type: ignore[attr-defined]

    playlist = app_commands.Group(name="playlist", description="Shared playlists")
    admin = app_commands.Group(name="admin", description="Moderation", parent=playlist)

    @playlist.command(name="add", description="Add a track")
    async def add(interaction: discord.Interaction, name: str, track: str, position: int = 0) -> None:
        await interaction.response.send_message(f"added {track} to {name} at {position}", ephemeral=True)

    @add.autocomplete("track")
    async def track_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        count = 30 if current == "many" else 3
        return [app_commands.Choice(name=f"{current}-{i}", value=f"{current}-{i}") for i in range(count)]

    @playlist.command(name="show", description="Show a playlist")
    async def show(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pager())

    @admin.command(name="purge", description="Purge tracks")
    async def purge(interaction: discord.Interaction, count: int, who: discord.Member, role: discord.Role) -> None:
        await interaction.response.send_message(f"purged {count} by {who.display_name} for {role.name}")

    tree.add_command(playlist)

    @tree.command(description="A slow, deferred command")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("done slowly")

    @tree.command(description="Followups, edits and deletes")
    async def steps(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("first")  # replaces the loading message
        second = await interaction.followup.send("second", wait=True)
        await second.edit(content="second!")
        third = await interaction.followup.send("third", wait=True)
        await third.delete()
        original = await interaction.original_response()
        await interaction.edit_original_response(content=original.content + " (edited)")
        fetched = await interaction.client.fetch_channel(interaction.channel_id or 0)
        await interaction.followup.send(f"in #{getattr(fetched, 'name', '?')}")

    @tree.command(description="Answers after a delay")
    async def late(interaction: discord.Interaction, delay: float) -> None:
        await asyncio.sleep(delay)
        await interaction.response.send_message("finally")

    @tree.command(description="Responds twice")
    async def double(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        interaction.response._response_type = None  # get past discord.py's own guard
        await interaction.response.send_message("two")

    @tree.command(description="Posts to a channel")
    async def post(interaction: discord.Interaction, where: discord.TextChannel, text: str) -> None:
        await where.send(text, allowed_mentions=discord.AllowedMentions.none())
        await interaction.response.send_message("posted", ephemeral=True)

    @tree.command(description="Reverses a file")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        reversed_file = discord.File(io.BytesIO(data[::-1]), filename="reversed.txt")
        await interaction.response.send_message(f"got {file.filename} {len(data)} bytes", file=reversed_file)

    @tree.command(description="Too long")
    async def long(interaction: discord.Interaction, size: int) -> None:
        await interaction.response.send_message("x" * size)

    @tree.command(description="Big embed")
    async def bigembed(interaction: discord.Interaction, size: int, count: int = 1) -> None:
        embeds = [discord.Embed(title=f"e{i}", description="d" * size) for i in range(count)]
        await interaction.response.send_message(embeds=embeds)

    @tree.command(description="Echo")
    async def echo(interaction: discord.Interaction, text: str, safe: bool = True) -> None:
        mentions = discord.AllowedMentions.none() if safe else discord.utils.MISSING
        await interaction.response.send_message(text, allowed_mentions=mentions)

    @tree.command(description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"pong from shard {interaction.guild and interaction.guild.shard_id}")

    @tree.command(description="Only here", guild=discord.Object(guild_id))
    async def local(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("local")

    async def setup_hook() -> None:
        await tree.sync()
        await tree.sync(guild=discord.Object(guild_id))

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
async def sim() -> AsyncIterator[DiscordSimulator]:
    async with DiscordSimulator(response_timeout=3.0) as simulator:
        yield simulator


def populate(sim: DiscordSimulator, name: str = "Lounge") -> SimGuild:
    created = sim.add_guild(name, channels=("general", "music"))
    sim.add_role(created, "DJ", mentionable=True)
    sim.add_member(created, "alice")
    sim.add_member(created, "bob", roles=["DJ"])
    return created


@pytest.fixture
def guild_factory() -> Callable[[DiscordSimulator], SimGuild]:
    return populate


@pytest.fixture
def guild(sim: DiscordSimulator) -> SimGuild:
    return populate(sim)


@pytest.fixture
async def bot(sim: DiscordSimulator, guild: SimGuild) -> AsyncIterator[commands.Bot]:
    async with sim.running(make_bot(guild.id)) as running:
        yield running
