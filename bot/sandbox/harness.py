"""Sharify, whole and unmodified, wired to the local Discord simulator: used by the sandbox, the end-to-end
tests and the benchmarks, so all three run the same composition root as production."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from bot.app import App, build
from bot.config import Settings
from bot.domain.clock import Clock
from bot.sandbox.discord_sim import DiscordSimulator


@contextlib.asynccontextmanager
async def sharify_on(sim: DiscordSimulator, settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[App]:
    """Build Sharify from `settings` and connect it to `sim`; yields once the bot is ready. Sharify's own commands
    are held to the description rule too: a command or option left with discord.py's placeholder fails the sync."""
    sim.state.strict_descriptions = True
    async with build(settings, clock=clock) as app, sim.running(app.bot):
        yield app
