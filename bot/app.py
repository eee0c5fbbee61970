"""Composition root: settings -> storage -> HTTP session -> services -> bot -> health server -> background jobs.

Everything is built here with `async with` and passed down through constructors; nothing else builds services.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

import aiohttp

from bot.client import SharifyBot
from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.ports.storage import Storage
from bot.domain.schedules.runner import RunnerSettings
from bot.domain.schedules.service import ScheduleLimits, ScheduleService
from bot.domain.services.guilds import GuildService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.lastfm import LastfmClient
from bot.lastfm.catalog import LastfmCatalog
from bot.lastfm.transport import RetryPolicy
from bot.runtime.health import HealthServer, gather_checks
from bot.runtime.jobs import JobRunner, shard_zero_guard
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
    async with (
        open_storage(
            mongodb_uri=settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None,
            database=settings.database_name,
            sqlite_path=settings.sqlite_path,
        ) as storage,
        aiohttp.ClientSession() as http,
    ):
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
        music = MusicService(catalog, storage.accounts, clock=clock)
        playlists = PlaylistService(storage, limits=limits, clock=clock, tracks=music)
        services = Services(
            settings=settings,
            metrics=metrics,
            clock=clock,
            playlists=playlists,
            music=music,
            guilds=GuildService(storage.guilds),
            schedules=ScheduleService(
                storage.schedules,
                storage.guilds,
                playlists,
                limits=ScheduleLimits(
                    max_per_guild=settings.max_schedules_per_guild,
                    min_interval=timedelta(minutes=settings.schedule_min_interval_minutes),
                ),
                clock=clock,
            ),
            schedule_runner=RunnerSettings(
                grace=timedelta(minutes=settings.schedule_grace_minutes),
                lease=timedelta(seconds=settings.schedule_lease_seconds),
                poll_s=settings.schedule_poll_seconds,
            ),
        )
        services.schedules.use_mixes(getattr(services, "mixes", None))  # scheduled mixes once the service exists
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


async def purge_trash(playlists: PlaylistService) -> None:
    """Empty the trash of playlists deleted longer ago than the configured days."""
    purged = await playlists.purge_trash()
    if purged:
        log.info("purged %d playlist(s) from the trash", purged)


def background_jobs(
    playlists: PlaylistService, *, clock: Clock, shard_ids: Sequence[int] | None, metrics: Metrics | None = None
) -> JobRunner:
    """The process's supervised jobs. Server-wide chores run only in the process with shard 0 (bot.runtime.jobs)."""
    jobs = JobRunner(clock, may_run_server_wide=shard_zero_guard(shard_ids), metrics=metrics)
    jobs.every("trash-purge", TRASH_PURGE_EVERY_S, partial(purge_trash, playlists), server_wide=True)
    return jobs


async def run(settings: Settings) -> None:
    """Run the bot until it is stopped."""
    token = settings.discord_token
    if token is None:
        raise ValueError("run() needs a Discord token")
    async with build(settings) as app, app.bot:
        services = app.services
        jobs = background_jobs(
            services.playlists, clock=services.clock, shard_ids=settings.shard_ids, metrics=services.metrics
        )
        async with jobs:  # stopped before the bot closes and the store goes away
            try:
                await app.bot.start(token.get_secret_value())
            finally:
                app.services.metrics.gateway_connected.set(0)
