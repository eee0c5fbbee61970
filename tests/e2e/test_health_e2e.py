"""The health server of the whole application: ready only when the gateway and the store both answer."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from bot.sandbox.discord_sim import DiscordSimulator
from bot.sandbox.harness import sharify_on

pytestmark = pytest.mark.e2e


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
                assert r.status == 200 and await r.json() == {"gateway": True, "storage": True}
            await sim.command(guild, alice, "playlist create", name="chill")
            await sim.command(guild, alice, "playlist show", name="nope")
            async with http.get(f"{base}/metrics") as r:
                text = await r.text()
            assert 'sharify_commands_total{command="playlist create",outcome="ok"} 1.0' in text
            assert 'sharify_commands_total{command="playlist show",outcome="user_error"} 1.0' in text
            await app.storage.close()  # the store goes away: not ready any more
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 503 and (await r.json())["storage"] is False
