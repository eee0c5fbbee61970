"""Pointing an unmodified discord.py client at the simulator, and running it there with test-friendly options."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl


@contextlib.contextmanager
def patched_endpoints(api_base: str, gateway_url: str) -> Iterator[None]:
    """Redirect ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``; restore them on exit.

    These are process-wide class attributes (discord.py has no option for them), so set them before ``login()``.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


async def _identify_now(shard_id: int | None, *, initial: bool = False) -> None:
    """Replacement ``before_identify_hook``: discord.py's default sleeps 5 s before every re-IDENTIFY."""
    del shard_id, initial


@contextlib.asynccontextmanager
async def run_client[C: discord.Client](
    client: C,
    *,
    token: str,
    api_base: str,
    gateway_url: str,
    ready_timeout: float = 30.0,
    guild_ready_timeout: float = 0.02,
) -> AsyncIterator[C]:
    """Log ``client`` in, connect it and wait for ``on_ready``; close it and undo every patch on exit."""
    state: Any = client._connection
    saved = (state.guild_ready_timeout, state._chunk_guilds)
    had_hook = "before_identify_hook" in vars(client)
    with patched_endpoints(api_base, gateway_url):
        state.guild_ready_timeout = guild_ready_timeout
        state._chunk_guilds = False
        client.before_identify_hook = _identify_now  # type: ignore[method-assign]
        connection: asyncio.Task[None] | None = None
        try:
            await client.login(token)
            connection = asyncio.create_task(client.connect(reconnect=True), name="discord-sim-client")
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait({connection, ready}, timeout=ready_timeout, return_when="FIRST_COMPLETED")
            if ready not in done:
                ready.cancel()
                if connection in done:
                    connection.result()  # re-raise why the client stopped
                raise TimeoutError(f"{type(client).__name__} was not ready after {ready_timeout}s")
            yield client
        finally:
            await client.close()
            if connection is not None:
                with contextlib.suppress(Exception, asyncio.CancelledError):
                    await asyncio.wait_for(connection, 5)
            state.guild_ready_timeout, state._chunk_guilds = saved
            if not had_hook:
                del client.before_identify_hook
