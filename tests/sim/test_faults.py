"""Rate limits, server errors and gateway faults: discord.py must recover and no interaction may be lost."""

from __future__ import annotations

import time

import aiohttp
import discord
from discord.ext import commands

from bot.sandbox.discord_sim import DiscordSimulator, SimGuild

from .conftest import make_bot, populate


def statuses(sim: DiscordSimulator, prefix: str) -> list[int]:
    return [r.status for r in sim.requests if r.route.startswith(prefix)]


async def test_429_on_callback_is_retried(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    sim.inject_rate_limit("/interactions/*", retry_after=0.2)
    reply = await sim.command(guild, "alice", "ping")
    assert reply.content.startswith("pong")
    assert statuses(sim, "POST /interactions/") == [429, 200]
    # the first callback the simulator accepted came after discord.py slept for retry_after
    assert reply.latency_ms is not None and 200 <= reply.latency_ms < 1000


async def test_global_429_on_channel_send_is_retried(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    sim.inject_rate_limit("POST /channels/*/messages", retry_after=0.1, count=2, is_global=True)
    reply = await sim.command(guild, "alice", "post", where="music", text="hi")
    assert reply.content == "posted"
    assert statuses(sim, "POST /channels/") == [429, 429, 200]
    assert [m.content for m in sim.channel_messages(guild.channel("music"))] == ["hi"]


async def test_rate_limit_headers_make_discord_py_wait(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    sim.set_rate_limit("POST /channels/*/messages", limit=1, reset_after=0.3)
    started = time.monotonic()
    await sim.command(guild, "alice", "post", where="music", text="one")
    await sim.command(guild, "alice", "post", where="music", text="two")
    assert time.monotonic() - started >= 0.25  # the second send waited for the bucket to reset
    assert sim.faults.overruns == []  # and never overran it
    first = next(r for r in sim.requests if r.route.startswith("POST /channels/"))
    assert first.status == 200
    assert [m.content for m in sim.channel_messages(guild.channel("music"))] == ["one", "two"]


async def test_5xx_is_retried(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    sim.inject_rest_failure("POST /channels/*/messages", status=502, count=1)
    reply = await sim.command(guild, "alice", "post", where="music", text="after a 502")
    assert reply.content == "posted"
    assert statuses(sim, "POST /channels/") == [502, 200]


async def test_unknown_route_is_404_code_0(sim: DiscordSimulator, bot: commands.Bot):
    headers = {"Authorization": f"Bot {sim.token}"}
    async with aiohttp.ClientSession() as session, session.get(f"{sim.api_base}/nope", headers=headers) as response:
        assert response.status == 404
        assert response.headers["Content-Type"] == "application/json"
        assert await response.json() == {"message": "404: Not Found", "code": 0}


async def _outage_then_ping(sim: DiscordSimulator, guild: SimGuild) -> str:
    """A command sent right after the fault, while the bot is reconnecting, must still be answered."""
    reply = await sim.command(guild, "alice", "ping")
    return reply.content


async def test_close_4000_resumes_and_replays(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.drop_gateway(4000)
    assert not sim.gateway.connected()
    assert (await _outage_then_ping(sim, guild)).startswith("pong")
    assert sim.gateway.count("RESUME") == 1 and sim.gateway.count("IDENTIFY") == 1


async def test_abrupt_drop_resumes(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.drop_gateway(code=None)
    assert (await _outage_then_ping(sim, guild)).startswith("pong")
    assert sim.gateway.count("RESUME") == 1 and sim.gateway.count("IDENTIFY") == 1


async def test_reconnect_op7_resumes(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.send_reconnect()
    assert (await _outage_then_ping(sim, guild)).startswith("pong")
    resume = next(e for e in sim.gateway_events if e.kind == "RESUME")
    assert resume.detail["from_seq"] > 0
    assert sim.gateway.count("IDENTIFY") == 1


async def test_invalid_session_resumable(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.invalidate_session(resumable=True)
    assert (await _outage_then_ping(sim, guild)).startswith("pong")
    assert sim.gateway.count("RESUME") == 1 and sim.gateway.count("IDENTIFY") == 1


async def test_invalid_session_not_resumable_reidentifies(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.invalidate_session(resumable=False)
    assert (await _outage_then_ping(sim, guild)).startswith("pong")
    assert sim.gateway.count("IDENTIFY") == 2 and sim.gateway.count("RESUME") == 0
    assert bot.get_guild(guild.id) is not None  # GUILD_CREATE was sent again


async def test_events_missed_during_outage_are_replayed(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.drop_gateway(4000)
    late = sim.add_member(guild, "carol")  # dispatched while disconnected
    await sim.wait_connected()
    assert (await _outage_then_ping(sim, guild)).startswith("pong")
    cached = bot.get_guild(guild.id)
    assert cached is not None and cached.get_member(late.id) is not None


async def test_bad_token_is_closed_with_4004(sim: DiscordSimulator):
    async with aiohttp.ClientSession() as session, session.ws_connect(sim.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
        closing = await ws.receive()
        assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 4004


async def test_round_trip_puts_every_request_on_the_network():
    """`round_trip`: half before the simulator handles a request (a deadline counts from its arrival), half before
    its response arrives; what an interaction callback from a cloud region to Discord costs."""
    async with DiscordSimulator(response_timeout=3.0, round_trip=0.2) as sim:
        guild = populate(sim)
        async with sim.running(make_bot(guild.id)):
            reply = await sim.command(guild, "alice", "ping")
            assert reply.content.startswith("pong")
            assert reply.latency_ms is not None and 100 <= reply.latency_ms < 1000
            headers = {"Authorization": f"Bot {sim.token}"}
            started = time.monotonic()
            async with aiohttp.ClientSession() as session, session.get(f"{sim.api_base}/nope", headers=headers) as r:
                assert r.status == 404
            assert time.monotonic() - started >= 0.2


async def test_interaction_age_delivers_interactions_already_old(
    sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot
):
    """`interaction_age`: the interaction's id, its creation time for the bot, is that much older than now."""
    sim.state.interaction_age = 60.0
    reply = await sim.command(guild, "alice", "ping")
    age = discord.utils.utcnow() - discord.utils.snowflake_time(reply.record.id)
    assert 59 <= age.total_seconds() <= 65
    sim.state.interaction_age = 0.0
    fresh = await sim.command(guild, "alice", "ping")
    assert (discord.utils.utcnow() - discord.utils.snowflake_time(fresh.record.id)).total_seconds() < 5
