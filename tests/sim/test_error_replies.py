"""The global error handler on the simulator: quoted values are inert, and a rejected reply still gets an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from discord.ext import commands

from bot.domain import text
from bot.domain.errors import NotFound
from bot.sandbox.discord_sim import DiscordSimulator, SimGuild
from bot.sandbox.discord_sim.markdown import entities_in_payload
from bot.tree import FALLBACK, SharifyTree, deliver
from tests.cogs.hostile import HOSTILE

HUGE = "x" * 2500


def make_bot(guild_id: int) -> commands.Bot:
    bot = commands.Bot(
        command_prefix="!",
        intents=discord.Intents.default(),
        tree_cls=SharifyTree,
        allowed_mentions=discord.AllowedMentions.none(),
    )

    @bot.tree.command(description="Fails, quoting what it was given")
    async def missing(interaction: discord.Interaction, name: str) -> None:
        raise NotFound(f"There is no playlist named {text.quoted(name)} here.")

    @bot.tree.command(description="Fails raw, as a message not yet converted would")
    async def raw(interaction: discord.Interaction, name: str) -> None:
        raise NotFound(f"There is no playlist named {name} here.")

    @bot.tree.command(description="Answers with a text Discord rejects")
    async def oversize(interaction: discord.Interaction, deferred: bool = False) -> None:
        if deferred:
            await interaction.response.defer(thinking=True)
        await deliver(interaction, HUGE, where="oversize")

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
async def bot(sim: DiscordSimulator, guild: SimGuild) -> AsyncIterator[commands.Bot]:
    async with sim.running(make_bot(guild.id)) as running:
        yield running


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
async def test_quoted_values_reach_the_member_inert(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot, name):
    reply = await sim.command(guild, "alice", "missing", name=name)
    assert reply.ephemeral and not reply.errors
    assert reply.content.startswith('There is no playlist named "') and reply.content.endswith('" here.')
    assert len(reply.content) <= 2000
    assert entities_in_payload({"content": reply.content}) == []


async def test_a_raw_message_too_long_for_discord_is_clipped(sim: DiscordSimulator, guild: SimGuild, bot):
    reply = await sim.command(guild, "alice", "raw", name=HUGE)
    assert reply.ephemeral and not reply.errors
    assert len(reply.content) == 2000 and reply.content.endswith("…")


@pytest.mark.parametrize("deferred", [False, True])
async def test_a_rejected_reply_falls_back_to_a_short_text_once(sim: DiscordSimulator, guild: SimGuild, bot, deferred):
    reply = await sim.command(guild, "alice", "oversize", deferred=deferred)
    assert [(e.status, e.code) for e in reply.errors] == [(400, 50035)]
    assert reply.content == FALLBACK and reply.ephemeral
    assert len(reply.messages) == 1  # the placeholder is gone; one answer, not two
