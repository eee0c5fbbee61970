"""End-to-end: the real bot, built by the real composition root, against the local Discord simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest

from bot.app import App
from bot.config import Settings
from bot.sandbox.discord_sim import DiscordSimulator, SimGuild, SimMember, SimRole
from bot.sandbox.harness import sharify_on


@dataclass
class World:
    sim: DiscordSimulator
    app: App
    guild: SimGuild
    other_guild: SimGuild
    owner: SimMember  # the server owner: has every permission
    alice: SimMember
    bob: SimMember
    mod: SimMember  # Manage Server
    dj: SimRole
    stranger: SimMember  # a member of the other guild only

    async def run(self, user: SimMember, command: str, *, guild: SimGuild | None = None, **values: object):
        return await self.sim.command(guild or self.guild, user, command, **values)


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    async with DiscordSimulator() as sim:
        guild = sim.add_guild("Lounge")
        other = sim.add_guild("Elsewhere")
        dj = sim.add_role(guild, "DJ")
        mods = sim.add_role(guild, "Mods", permissions=discord.Permissions(manage_guild=True))
        alice = sim.add_member(guild, "alice")
        bob = sim.add_member(guild, "bob", roles=[dj])
        mod = sim.add_member(guild, "mod", roles=[mods])
        stranger = sim.add_member(other, "stranger")
        owner = sim.add_member(guild, "owner")
        async with sharify_on(sim, settings.model_copy(update={"max_tracks_per_playlist": 5})) as app:
            yield World(sim, app, guild, other, owner, alice, bob, mod, dj, stranger)
        assert not sim.missed_deadlines, sim.missed_deadlines
