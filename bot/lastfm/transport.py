"""One Last.fm GET, with the request discipline (in-flight cap, rate limit, pause after 29) and retries of
transient failures with jittered exponential backoff inside a bounded total time."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.domain.clock import Clock
from bot.lastfm.errors import (
    LastfmConfigError,
    LastfmError,
    LastfmProtocolError,
    LastfmRateLimited,
    LastfmUnavailable,
)
from bot.lastfm.parse import api_error
from bot.lastfm.throttle import ClockedLimiter
from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)

USER_AGENT = "Sharify/0.1 (+https://github.com/sharify/sharify)"
_KEY_IN_URL = re.compile(r"(api_key=)[^&\s]*")


def redact(url: str) -> str:
    """A URL safe to log: the api_key value replaced."""
    return _KEY_IN_URL.sub(r"\1REDACTED", url)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    total_budget_s: float = 8.0  # no retry starts after this much time since the first attempt
    attempt_timeout_s: float = 4.0
    base_delay_s: float = 0.25
    rate_limited_base_delay_s: float = 1.0
    max_delay_s: float = 4.0

    def delay(self, attempt: int, *, rate_limited: bool, rng: random.Random) -> float:
        """Equal-jitter exponential backoff after failed attempt number `attempt` (1-based)."""
        base = self.rate_limited_base_delay_s if rate_limited else self.base_delay_s
        cap = min(self.max_delay_s, base * 2 ** (attempt - 1))
        return cap / 2 + rng.uniform(0, cap / 2)


class Transport:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_key: SecretStr,
        base_url: str,
        clock: Clock,
        limiter: ClockedLimiter,
        max_in_flight: int,
        policy: RetryPolicy,
        metrics: Metrics | None = None,
        rng: random.Random | None = None,
        on_send: Callable[[str, Mapping[str, str]], None] | None = None,
    ) -> None:
        self.session = session
        self._api_key = api_key
        self.base_url = base_url
        self.clock = clock
        self.limiter = limiter
        self.semaphore = asyncio.Semaphore(max_in_flight)
        self.max_in_flight = max_in_flight
        self.policy = policy
        self.metrics = metrics
        self.rng = rng or random.Random()
        self.on_send = on_send
        self.in_flight = 0
        self.max_seen_in_flight = 0
        self.http_calls = 0
        self._pause_until = 0.0  # after error 29 / HTTP 429 every request waits until then
        self._disabled: LastfmConfigError | None = None  # after error 26 (suspended key) nothing is sent

    async def get(self, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        """The decoded body of a successful call. Raises a permanent LastfmError at once, or a
        LastfmUnavailable / LastfmRateLimited when transient failures outlast the time budget."""
        if self._disabled is not None:
            raise self._disabled
        deadline = self.clock.monotonic() + self.policy.total_budget_s
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, params)
            except LastfmError as e:
                if isinstance(e, LastfmConfigError):
                    self._config_failure(e)
                if not e.transient:
                    raise
                last = e
            rate_limited = isinstance(last, LastfmRateLimited)
            delay = self.policy.delay(attempt, rate_limited=rate_limited, rng=self.rng)
            if rate_limited:
                self._pause_until = max(self._pause_until, self.clock.monotonic() + delay)
            if self.clock.monotonic() + delay > deadline:
                log.warning("Last.fm %s failed %d time(s), giving up: %s", method, attempt, last)
                cls = LastfmRateLimited if rate_limited else LastfmUnavailable
                raise cls(last.api_message, code=last.code, method=method) from last
            log.info("Last.fm %s attempt %d failed (%s); retrying in %.2fs", method, attempt, last, delay)
            if self.metrics is not None:
                self.metrics.lastfm_retries.labels(method=method).inc()
            await self.clock.sleep(delay)

    def _config_failure(self, e: LastfmConfigError) -> None:
        log.critical(
            "Last.fm rejected the API key (error %s: %s). Set a valid SHARIFY_LASTFM_API_KEY.", e.code, e.api_message
        )
        if e.code == 26:
            self._disabled = e  # a suspended key: stop all traffic until restarted with another key

    async def _attempt(self, method: str, params: Mapping[str, str]) -> dict[str, Any]:
        query = {**params, "method": method, "format": "json", "api_key": self._api_key.get_secret_value()}
        async with self.semaphore:
            await self.limiter.acquire()
            pause = self._pause_until - self.clock.monotonic()
            if pause > 0:
                await self.clock.sleep(pause)
            self.in_flight += 1
            self.max_seen_in_flight = max(self.max_seen_in_flight, self.in_flight)
            self.http_calls += 1
            if self.on_send is not None:
                self.on_send(method, params)
            started = self.clock.monotonic()
            outcome = "ok"
            try:
                status, body = await self._fetch(query)
                payload = self._decode(method, params, status, body)
                return payload
            except LastfmError as e:
                outcome = f"error_{e.code}" if e.code is not None else type(e).__name__
                raise
            finally:
                self.in_flight -= 1
                if self.metrics is not None:
                    self.metrics.lastfm_requests.labels(method=method, outcome=outcome).inc()
                    self.metrics.lastfm_seconds.labels(method=method).observe(self.clock.monotonic() - started)

    async def _fetch(self, query: Mapping[str, str]) -> tuple[int, str]:
        timeout = aiohttp.ClientTimeout(total=self.policy.attempt_timeout_s)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        try:
            async with self.session.get(self.base_url, params=query, headers=headers, timeout=timeout) as resp:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("GET %s -> %d", redact(str(resp.url)), resp.status)
                return resp.status, await resp.text(errors="replace")
        except TimeoutError:
            raise LastfmUnavailable("timed out") from None
        except aiohttp.ClientError as e:
            raise LastfmUnavailable(f"connection failed: {type(e).__name__}: {redact(str(e))}") from None

    @staticmethod
    def _decode(method: str, params: Mapping[str, str], status: int, body: str) -> dict[str, Any]:
        try:
            payload = json.loads(body)
        except ValueError:
            looks_html = body.lstrip()[:1] == "<"
            if status >= 500 or status == 429 or looks_html:
                cls = LastfmRateLimited if status == 429 else LastfmUnavailable
                raise cls(f"HTTP {status} with a non-JSON body", method=method) from None
            raise LastfmProtocolError(f"HTTP {status} with a non-JSON body", method=method) from None
        err = api_error(payload, method=method, params=params)
        if err is not None:  # also when the status is 200
            raise err
        if status == 429:
            raise LastfmRateLimited(f"HTTP {status}", method=method)
        if status >= 500:
            raise LastfmUnavailable(f"HTTP {status}", method=method)
        if status >= 400 or not isinstance(payload, dict):
            raise LastfmProtocolError(f"HTTP {status} without an error body", method=method)
        return payload
