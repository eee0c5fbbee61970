"""Composition root: settings -> storage -> HTTP session -> services -> bot -> health server.

Everything is built here with `async with` and passed down through constructors; nothing else builds services.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.client import SharifyBot
from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.ports.storage import Storage
from bot.domain.services.guilds import GuildService
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.lastfm import LastfmClient
from bot.lastfm.catalog import LastfmCatalog
from bot.lastfm.transport import RetryPolicy
from bot.runtime.health import HealthServer, gather_checks
from bot.runtime.metrics import Metrics
from bot.services import Services
from storage import open_storage

log = logging.getLogger(__name__)

TRASH_PURGE_EVERY_S = 3600.0
# A member is waiting: retry Last.fm for at most 4 s, then answer (stale cache, or the text as typed).
INTERACTIVE_RETRY = RetryPolicy(total_budget_s=4.0, attempt_timeout_s=2.5)


@dataclass
class App:
    bot: SharifyBot
    services: Services
    storage: Storage
    http: aiohttp.ClientSession
    health: HealthServer | None


@contextlib.asynccontextmanager
async def build(settings: Settings, *, clock: Clock | None = None, **bot_options: Any) -> AsyncIterator[App]:
    """Build the whole application. `settings` must already have its secrets resolved."""
    metrics = Metrics()
    clock = clock or SystemClock()
    async with open_storage(settings) as storage, aiohttp.ClientSession() as http:
        limits = Limits(
            max_tracks=settings.max_tracks_per_playlist,
            max_playlists=settings.max_playlists_per_guild,
            trash_days=settings.trash_days,
        )
        catalog: LastfmCatalog | None = None
        if settings.lastfm_api_key:
            lastfm = LastfmClient(
                http,
                api_key=settings.lastfm_api_key,
                base_url=settings.lastfm_base_url,
                rate_per_second=settings.lastfm_rate_per_second,
                burst=settings.lastfm_burst,
                max_in_flight=settings.lastfm_max_in_flight,
                cache=storage.cache,
                metrics=metrics,
                retry=INTERACTIVE_RETRY,
                clock=clock,
            )
            catalog = LastfmCatalog(lastfm)
        else:
            log.warning("no Last.fm API key: search, now playing and track info are off (set SHARIFY_LASTFM_API_KEY)")
        playlists = PlaylistService(storage, limits=limits, clock=clock)
        music = MusicService(catalog, storage.accounts, clock=clock)
        services = Services(
            settings=settings,
            metrics=metrics,
            clock=clock,
            playlists=playlists,
            music=music,
            guilds=GuildService(storage.guilds),
            mixes=MixService(music, playlists, storage),
        )
        bot = SharifyBot(services, **bot_options)

        async def gateway() -> bool:
            return bot.is_connected()

        async def store() -> bool:
            await storage.ping()
            return True

        readiness = gather_checks({"gateway": gateway, "storage": store})
        health_cm = (
            HealthServer(host=settings.health_host, port=settings.health_port, readiness=readiness, metrics=metrics)
            if settings.health_port
            else contextlib.nullcontext(None)
        )
        async with health_cm as health:
            yield App(bot=bot, services=services, storage=storage, http=http, health=health)


async def purge_trash_forever(services: Services, every_s: float = TRASH_PURGE_EVERY_S) -> None:
    """Empty trash older than the configured days, hourly. One failure is logged, not fatal."""
    while True:
        try:
            purged = await services.playlists.purge_trash()
            if purged:
                log.info("purged %d playlist(s) from the trash", purged)
        except Exception:
            log.exception("trash purge failed")
        await asyncio.sleep(every_s)


async def run(settings: Settings) -> None:
    """Run the bot until it is stopped."""
    token = settings.discord_token
    if token is None:
        raise ValueError("run() needs a Discord token")
    async with build(settings) as app, app.bot:
        purge = asyncio.create_task(purge_trash_forever(app.services), name="trash-purge")
        try:
            await app.bot.start(token.get_secret_value())
        finally:
            purge.cancel()
            app.services.metrics.gateway_connected.set(0)
