"""End-to-end: the real bot, built by the real composition root, against the local Discord simulator."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.config import Settings
from bot.sandbox.discord_sim import DiscordSimulator, SimGuild, SimMember, SimRole
from bot.sandbox.harness import sharify_on
from bot.sandbox.lastfm_standin import LastfmStandin


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
    fm: LastfmStandin | None  # the offline Last.fm (generated catalogue) when the bot is configured with it

    async def run(self, user: SimMember, command: str, *, guild: SimGuild | None = None, **values: object):
        return await self.sim.command(guild or self.guild, user, command, **values)


@contextlib.asynccontextmanager
async def make_world(settings: Settings, *, lastfm: bool) -> AsyncIterator[World]:
    async with contextlib.AsyncExitStack() as stack:
        sim = await stack.enter_async_context(DiscordSimulator())
        fm = await stack.enter_async_context(LastfmStandin()) if lastfm else None
        guild = sim.add_guild("Lounge")
        other = sim.add_guild("Elsewhere")
        dj = sim.add_role(guild, "DJ")
        mods = sim.add_role(guild, "Mods", permissions=discord.Permissions(manage_guild=True))
        alice = sim.add_member(guild, "alice")
        bob = sim.add_member(guild, "bob", roles=[dj])
        mod = sim.add_member(guild, "mod", roles=[mods])
        stranger = sim.add_member(other, "stranger")
        owner = sim.add_member(guild, "owner")
        update: dict[str, object] = {"max_tracks_per_playlist": 5}
        if fm is not None:
            update |= {"lastfm_base_url": fm.url, "lastfm_api_key": SecretStr("test-key"), "lastfm_rate_per_second": 50}
        async with sharify_on(sim, settings.model_copy(update=update)) as app:
            yield World(sim, app, guild, other, owner, alice, bob, mod, dj, stranger, fm)
        assert not sim.missed_deadlines, sim.missed_deadlines


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    """Sharify with no Last.fm key: tracks are stored as typed."""
    async with make_world(settings, lastfm=False) as w:
        yield w


@pytest.fixture
async def fm_world(settings: Settings) -> AsyncIterator[World]:
    """Sharify with the offline Last.fm: search, validation, linked accounts."""
    async with make_world(settings, lastfm=True) as w:
        yield w
