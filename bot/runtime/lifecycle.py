"""The process's life: start (log in with retries), serve until SIGTERM or SIGINT, then shut down in order.

Shutdown, once a signal arrives (Kubernetes sends SIGTERM, then SIGKILL after terminationGracePeriodSeconds):
1. readiness answers 503 at once (`Lifecycle.stopping`), and no new interaction starts (the admission closes);
2. the background jobs stop;
3. the interactions in flight get up to `grace_s` to finish;
4. the gateway, then (by the caller's `async with`) the HTTP session and the store close, and the process exits 0.

Logging in: a token Discord rejects (401) is fatal and raises `TokenRejected`; an unreachable Discord (DNS, refused
connection, timeouts, 5xx) is logged in one line and retried with a capped, jittered backoff, while readiness
stays 503, until it answers or a signal asks to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Awaitable, Callable

import aiohttp
import discord
from discord.utils import MISSING

from bot.domain.clock import Clock, wait_at_most
from bot.runtime.admission import Admission
from bot.runtime.jobs import Backoff, JobRunner

log = logging.getLogger(__name__)

DEFAULT_GRACE_S = 10.0
LOGIN_BACKOFF = Backoff(base_s=1.0, factor=2.0, cap_s=60.0, jitter=0.3)
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class TokenRejected(Exception):
    """Discord refused the bot token (HTTP 401)."""

    def __init__(self) -> None:
        super().__init__("Discord rejected the token (SHARIFY_DISCORD_TOKEN)")


class Lifecycle:
    """One per process: the stop request, set by a signal (or a test) and read by readiness and the run loop."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()
        self.reason: str | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self, reason: str) -> None:
        if not self._stop.is_set():
            self.reason = reason
            log.info("stopping: %s", reason)
            self._stop.set()

    async def wait(self) -> None:
        await self._stop.wait()

    def install_signal_handlers(self) -> Callable[[], None]:
        """Route SIGTERM and SIGINT to `request_stop` on the running loop; returns the function that undoes it."""
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.add_signal_handler(sig, self.request_stop, f"received {sig.name}")

        def remove() -> None:
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)

        return remove


def _unreachable(error: BaseException) -> bool:
    if isinstance(error, discord.HTTPException):
        return error.status >= 500 or error.status == 429
    return isinstance(error, (aiohttp.ClientError, OSError, TimeoutError))


async def login_with_retry(
    bot: discord.Client, token: str, *, clock: Clock, lifecycle: Lifecycle, rng: random.Random | None = None
) -> bool:
    """Log in, retrying while Discord cannot be reached; False when a stop was requested first."""
    rng = rng or random.Random()
    failures = 0
    while not lifecycle.stopping:
        try:
            await bot.login(token)
            if failures:
                log.info("reached Discord after %d failed attempt(s)", failures)
            return True
        except discord.LoginFailure:
            raise TokenRejected() from None
        except Exception as error:
            if not _unreachable(error):
                raise
            failures += 1
            delay = LOGIN_BACKOFF.delay(failures, rng)
            log.warning(
                "cannot reach Discord (%s: %s); retrying in %.1f s", type(error).__name__, error or "no detail", delay
            )
            await _reset_http(bot)
            await wait_at_most(clock, lifecycle.wait(), delay)
    return False


async def _reset_http(bot: discord.Client) -> None:
    """Close the session a failed login opened (each login opens a new one) so retries leak nothing."""
    await bot.http.close()
    bot.http.connector = MISSING


async def serve(
    bot: discord.Client,
    token: str,
    *,
    clock: Clock,
    lifecycle: Lifecycle,
    admission: Admission,
    jobs: JobRunner,
    grace_s: float = DEFAULT_GRACE_S,
) -> None:
    """Log in, start the jobs, run the gateway until a stop is requested (or the gateway fails), then shut down."""
    try:
        if not await login_with_retry(bot, token, clock=clock, lifecycle=lifecycle):
            return
        jobs.start()
        gateway = asyncio.create_task(bot.connect(reconnect=True), name="gateway")
        stop = asyncio.create_task(lifecycle.wait(), name="stop-request")
        try:
            await asyncio.wait({gateway, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if gateway.done():
            gateway.result()  # the gateway ended on its own: re-raise why
            return
        await shutdown(bot, admission=admission, jobs=jobs, grace_s=grace_s, clock=clock, gateway=gateway)
    finally:
        admission.close()
        await jobs.stop(timeout_s=1.0)
        if not bot.is_closed():
            await bot.close()


async def shutdown(
    bot: discord.Client,
    *,
    admission: Admission,
    jobs: JobRunner,
    grace_s: float,
    clock: Clock,
    gateway: Awaitable[None],
) -> None:
    started = clock.monotonic()
    admission.close()
    await jobs.stop(timeout_s=min(grace_s, 5.0))
    left = await admission.drain(max(0.0, grace_s - (clock.monotonic() - started)))
    if left:
        log.warning("%d interaction(s) still running after the %.0f s grace period; closing anyway", left, grace_s)
    await bot.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(gateway, 5.0)
    log.info("gateway closed %.2f s after the stop request", clock.monotonic() - started)
