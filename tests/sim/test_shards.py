"""AutoShardedClient against the simulator: one socket per shard, guilds and interactions routed by shard."""

from __future__ import annotations

import discord
import discord.gateway
import discord.http
import pytest
from discord.ext import commands

from bot.sandbox.discord_sim import DiscordSimulator

from .conftest import make_bot, populate


@pytest.mark.parametrize("explicit", [True, False], ids=["shard_count=2", "from /gateway/bot"])
async def test_two_shards_route_guilds_and_interactions(explicit: bool):
    async with DiscordSimulator(recommended_shards=2) as sim:
        first, second = populate(sim, "Alpha"), populate(sim, "Beta")
        expected = {g.id: (g.id >> 22) % 2 for g in (first, second)}
        assert list(expected.values()) == [0, 1]  # the n-th guild lands on shard n % shard_count
        options = {"shard_count": 2} if explicit else {}
        bot = make_bot(first.id, cls=commands.AutoShardedBot, **options)
        async with sim.running(bot) as running:
            assert running.shard_count == 2
            identified = sorted(e.detail for e in sim.gateway_events if e.kind == "IDENTIFY")
            assert identified == [[0, 2], [1, 2]]
            for guild in (first, second):
                cached = running.get_guild(guild.id)
                assert cached is not None and cached.shard_id == expected[guild.id]
                reply = await sim.command(guild, "alice", "ping")
                assert reply.content == f"pong from shard {expected[guild.id]}"
            await sim.drop_gateway(4000, shard=expected[second.id])  # only Beta's shard goes down
            beta = await sim.command(second, "bob", "ping")
            assert beta.content == f"pong from shard {expected[second.id]}"
            assert [e.shard_id for e in sim.gateway_events if e.kind == "RESUME"] == [expected[second.id]]
        assert discord.http.Route.BASE == "https://discord.com/api/v10"  # patches undone on exit
        assert str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
        assert "before_identify_hook" not in vars(bot)
        gateway_calls = [r for r in sim.requests if r.route == "GET /gateway/bot"]
        assert len(gateway_calls) == (0 if explicit else 1)
