"""The health server of the whole application: ready only when the gateway and the store both answer."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import aiohttp
import pytest

from bot.sandbox.discord_sim import DiscordSimulator
from bot.sandbox.harness import sharify_on

pytestmark = pytest.mark.e2e


async def until(predicate: Callable[[], bool], within: float) -> None:
    """Poll `predicate` (a state in another process or task) until it holds, at most `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            if predicate():
                return
            await asyncio.sleep(0.01)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_readyz_livez_and_metrics_of_the_running_bot(settings):
    port = free_port()
    local = settings.model_copy(update={"health_host": "127.0.0.1", "health_port": port})
    async with DiscordSimulator() as sim, aiohttp.ClientSession() as http:
        guild = sim.add_guild("Lounge")
        alice = sim.add_member(guild, "alice")
        async with sharify_on(sim, local) as app:
            base = f"http://127.0.0.1:{port}"
            async with http.get(f"{base}/livez") as r:
                assert r.status == 200
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 200 and await r.json() == {"serving": True, "gateway": True, "storage": True}
            await sim.command(guild, alice, "playlist create", name="chill")
            await sim.command(guild, alice, "playlist show", name="nope")
            wanted = 'sharify_command_seconds_count{command="playlist show",outcome="user_error"} 1.0'
            async with asyncio.timeout(5):  # a command is counted once its reply is out: just after the member sees it
                text = ""
                while wanted not in text:
                    async with http.get(f"{base}/metrics") as r:
                        text = await r.text()
            assert 'sharify_commands_total{command="playlist create",outcome="ok"} 1.0' in text
            assert 'sharify_commands_total{command="playlist show",outcome="user_error"} 1.0' in text
            # every command is timed, by command and outcome
            assert 'sharify_command_seconds_count{command="playlist create",outcome="ok"} 1.0' in text
            assert 'sharify_command_seconds_count{command="playlist show",outcome="user_error"} 1.0' in text
            assert 'sharify_gateway_connected{shard="0"} 1.0' in text
            assert 'sharify_guilds{shard="0"} 1.0' in text
            assert "process_cpu_seconds_total" in text and "python_gc_objects_collected_total" in text
            await app.storage.close()  # the store goes away: not ready any more
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 503 and (await r.json())["storage"] is False


async def test_readiness_turns_503_as_soon_as_a_stop_is_requested(settings):
    port = free_port()
    local = settings.model_copy(update={"health_host": "127.0.0.1", "health_port": port})
    async with DiscordSimulator() as sim, aiohttp.ClientSession() as http:
        sim.add_guild("Lounge")
        async with sharify_on(sim, local) as app:
            app.lifecycle.request_stop("test")
            async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
                assert r.status == 503 and await r.json() == {"serving": False, "gateway": True, "storage": True}


async def test_gateway_gauge_follows_a_drop_and_the_resume(settings):
    async with DiscordSimulator() as sim:
        guild = sim.add_guild("Lounge")
        alice = sim.add_member(guild, "alice")
        async with sharify_on(sim, settings) as app:
            registry = app.services.metrics.registry

            def connected() -> float | None:
                return registry.get_sample_value("sharify_gateway_connected", {"shard": "0"})

            def guilds() -> float | None:
                return registry.get_sample_value("sharify_guilds", {"shard": "0"})

            assert connected() == 1.0 and guilds() == 1.0
            seen: list[float | None] = []

            async def on_shard_disconnect(shard_id: int) -> None:
                # runs after the bot's own on_shard_disconnect handler, dispatched for the same event
                seen.append(connected())

            app.bot.add_listener(on_shard_disconnect)
            resumes = sim.gateway.count("RESUME")
            await sim.drop_gateway(code=None)
            await until(lambda: sim.gateway.count("RESUME") > resumes and connected() == 1.0, within=10)
            assert seen == [0.0]  # it fell while the gateway was down...
            assert connected() == 1.0  # ...and rose again with the RESUME
            await sim.command(guild, alice, "playlist create", name="after")  # and the bot still answers
            sim.add_guild("Second")  # a join is counted
            await until(lambda: guilds() == 2.0, within=5)
