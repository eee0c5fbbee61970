"""Composition root: settings -> storage -> HTTP session -> services -> bot -> health server -> background jobs.

Everything is built here with `async with` and passed down through constructors; nothing else builds services.
`run` is the process: it serves until SIGTERM/SIGINT and shuts down in order (bot/runtime/lifecycle.py); leaving
`build`'s `async with` closes the health server, the HTTP session and the store, in that order.
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
from bot.domain.schedules.pacing import process_rate
from bot.domain.schedules.runner import RunnerSettings
from bot.domain.schedules.service import ScheduleLimits, ScheduleService
from bot.domain.services.guilds import GuildService
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.privacy import PrivacyService
from bot.domain.services.rounds import RoundService
from bot.domain.services.share import ShareService
from bot.domain.services.transfer import ImportLimits, TransferService
from bot.lastfm import LastfmClient
from bot.lastfm.catalog import LastfmCatalog
from bot.lastfm.transport import RetryPolicy
from bot.runtime.admission import Admission
from bot.runtime.health import HealthServer, gather_checks
from bot.runtime.jobs import JobRunner, shard_zero_guard
from bot.runtime.lifecycle import Lifecycle, serve
from bot.runtime.metrics import Metrics
from bot.services import Services
from bot.web import WebServer
from storage import open_storage

log = logging.getLogger(__name__)

TRASH_PURGE_EVERY_S = 3600.0
REMOVED_SERVER_PURGE_EVERY_S = 3600.0
# A member is waiting: retry Last.fm for at most 4 s, then answer (stale cache, or the text as typed).
INTERACTIVE_RETRY = RetryPolicy(total_budget_s=4.0, attempt_timeout_s=2.5)


@dataclass
class App:
    bot: SharifyBot
    services: Services
    storage: Storage
    http: aiohttp.ClientSession
    health: HealthServer | None
    web: WebServer | None
    lifecycle: Lifecycle
    admission: Admission


def lastfm_rate(settings: Settings) -> tuple[float, int]:
    """This process's Last.fm rate and burst. Last.fm limits the API key, not the process: a process running k of
    n shards takes k/n of the key's rate (and burst, at least 1), unless SHARIFY_LASTFM_PROCESS_RATE_PER_SECOND
    gives it its own budget."""
    if settings.lastfm_process_rate_per_second is not None:
        rate = settings.lastfm_process_rate_per_second
        share = rate / settings.lastfm_rate_per_second
    elif settings.shard_ids is not None and settings.shard_count:
        share = len(settings.shard_ids) / settings.shard_count
        rate = settings.lastfm_rate_per_second * share
    else:
        return settings.lastfm_rate_per_second, settings.lastfm_burst
    return rate, max(1, round(settings.lastfm_burst * share))


def discord_post_rate(settings: Settings) -> float:
    """This process's share of the bot's Discord rate for scheduled posts: k/n of it for k of n shards, unless
    SHARIFY_DISCORD_PROCESS_RATE_PER_SECOND gives the process its own."""
    if settings.discord_process_rate_per_second is not None:
        return settings.discord_process_rate_per_second
    here = len(settings.shard_ids) if settings.shard_ids is not None else None
    return process_rate(settings.discord_rate_per_second, here, settings.shard_count)


@contextlib.asynccontextmanager
async def build(
    settings: Settings, *, clock: Clock | None = None, lifecycle: Lifecycle | None = None, **bot_options: Any
) -> AsyncIterator[App]:
    """Build the whole application. `settings` must already have its secrets resolved."""
    metrics = Metrics()
    clock = clock or SystemClock()
    lifecycle = lifecycle or Lifecycle()
    # Discord's deadlines are on the real clock (the snowflake timestamps), whatever clock the services use.
    admission = Admission(SystemClock(), max_in_flight=settings.max_interactions_in_flight, metrics=metrics)
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
            rate, burst = lastfm_rate(settings)
            lastfm = LastfmClient(
                http,
                api_key=settings.lastfm_api_key,
                base_url=settings.lastfm_base_url,
                rate_per_second=rate,
                burst=burst,
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
        imports = ImportLimits(max_bytes=settings.import_max_bytes, max_tracks=settings.import_max_tracks)
        services = Services(
            settings=settings,
            metrics=metrics,
            clock=clock,
            playlists=playlists,
            music=music,
            guilds=GuildService(storage.guilds),
            privacy=PrivacyService(storage, clock=clock, grace_days=settings.removed_server_days),
            transfer=TransferService(storage, playlists, music, clock=clock, limits=imports),
            mixes=MixService(music, playlists, storage),
            shares=ShareService(
                storage,
                playlists,
                clock=clock,
                public_url=settings.public_url if settings.web_port else None,
                max_tracks=settings.max_tracks_per_playlist,
            ),
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
            rounds=RoundService(storage, playlists, music, storage.guilds, clock=clock),
            schedule_runner=RunnerSettings(
                grace=timedelta(minutes=settings.schedule_grace_minutes),
                lease=timedelta(seconds=settings.schedule_lease_seconds),
                poll_s=settings.schedule_poll_seconds,
                post_rate=discord_post_rate(settings),
            ),
        )
        if music.available:  # a scheduled post can be a fresh mix or blend (made from Last.fm)
            services.schedules.use_mixes(services.mixes)
        playlists.use_hooks(services.rounds)  # adds follow a running round's rules; anonymous submitters stay hidden
        bot = SharifyBot(services, admission=admission, **bot_options)

        async def serving() -> bool:
            return not lifecycle.stopping

        async def gateway() -> bool:
            return bot.is_connected()

        async def store() -> bool:
            await storage.ping()
            return True

        web = share_pages(settings, services, bot)

        async def pages() -> bool:
            return web is not None and web.running

        checks = {"serving": serving, "gateway": gateway, "storage": store}
        readiness = gather_checks(checks | ({"web": pages} if web is not None else {}))
        health_cm = (
            HealthServer(host=settings.health_host, port=settings.health_port, readiness=readiness, metrics=metrics)
            if settings.health_port
            else contextlib.nullcontext(None)
        )
        async with contextlib.AsyncExitStack() as stack:
            if web is not None:  # stops (requests in flight finish) after the health server, before the store closes
                await stack.enter_async_context(web)
            health = await stack.enter_async_context(health_cm)
            yield App(
                bot=bot,
                services=services,
                storage=storage,
                http=http,
                health=health,
                web=web,
                lifecycle=lifecycle,
                admission=admission,
            )


def share_pages(settings: Settings, services: Services, bot: SharifyBot) -> WebServer | None:
    """The share pages' server when SHARIFY_WEB_PORT is set. Names come from the gateway's cache only (no REST
    call per visit), and only where the server allows them (bot.web.view)."""
    if not settings.web_port:
        return None

    def guild_name(guild_id: int) -> str | None:
        guild = bot.get_guild(guild_id)
        return guild.name if guild else None

    def member_name(guild_id: int, user_id: int) -> str | None:
        guild = bot.get_guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        return member.display_name if member else None

    return WebServer(
        services.shares,
        clock=services.clock,
        host=settings.web_host,
        port=settings.web_port,
        cache_s=settings.web_cache_seconds,
        rate_per_second=settings.web_rate_per_second,
        burst=settings.web_burst,
        forwarded_hops=settings.web_forwarded_hops,
        guild_name=guild_name,
        member_name=member_name,
    )


async def purge_trash(playlists: PlaylistService) -> None:
    """Empty the trash of playlists deleted longer ago than the configured days."""
    purged = await playlists.purge_trash()
    if purged:
        log.info("purged %d playlist(s) from the trash", purged)


async def purge_removed_servers(privacy: PrivacyService) -> None:
    """Delete the data of servers the bot was removed from longer ago than the grace period."""
    purged = await privacy.purge_removed_servers()
    if purged:
        log.info("deleted the data of %d removed server(s)", purged)


def background_jobs(
    playlists: PlaylistService,
    *,
    clock: Clock,
    shard_ids: Sequence[int] | None,
    metrics: Metrics | None = None,
    privacy: PrivacyService | None = None,
) -> JobRunner:
    """The process's supervised jobs. Server-wide chores run only in the process with shard 0 (bot.runtime.jobs)."""
    jobs = JobRunner(clock, may_run_server_wide=shard_zero_guard(shard_ids), metrics=metrics)
    jobs.every("trash-purge", TRASH_PURGE_EVERY_S, partial(purge_trash, playlists), server_wide=True)
    if privacy is not None:
        body = partial(purge_removed_servers, privacy)
        jobs.every("removed-server-purge", REMOVED_SERVER_PURGE_EVERY_S, body, server_wide=True)
    return jobs


async def run(settings: Settings, *, lifecycle: Lifecycle | None = None) -> None:
    """Run the bot until SIGTERM or SIGINT (or `lifecycle.request_stop`), then shut down in order.

    Raises `TokenRejected` when Discord refuses the token."""
    token = settings.discord_token
    if token is None:
        raise ValueError("run() needs a Discord token")
    lifecycle = lifecycle or Lifecycle()
    remove_handlers = lifecycle.install_signal_handlers()
    try:
        async with build(settings, lifecycle=lifecycle) as app, app.bot:
            services = app.services
            jobs = background_jobs(
                services.playlists,
                clock=services.clock,
                shard_ids=settings.shard_ids,
                metrics=services.metrics,
                privacy=services.privacy,
            )
            await serve(
                app.bot,
                token.get_secret_value(),
                clock=services.clock,
                lifecycle=lifecycle,
                admission=app.admission,
                jobs=jobs,
                grace_s=settings.shutdown_grace_s,
            )
    finally:
        remove_handlers()
    log.info("stopped (%s)", lifecycle.reason or "the gateway ended")
