"""The health server: /livez, /readyz and /metrics on their own host and port, for Kubernetes probes and Prometheus.

    async with HealthServer(host="0.0.0.0", port=8080, readiness=app.readiness, metrics=metrics) as hs:
        ...  # hs.port is the bound port (useful with port=0)

`readiness` returns named checks ({"gateway": True, "storage": False}); /readyz answers 200 when every check passes
and 503 otherwise, with the checks as JSON either way. A readiness callable that raises or takes longer than
`check_timeout` counts as failed; its exception is logged here and never sent to the client. `gather_checks` builds
such a callable from one coroutine function per check, so that one slow or broken check fails only itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Self

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.runtime.metrics import Metrics

log = logging.getLogger(__name__)

Readiness = Callable[[], Awaitable[dict[str, bool]]]
Check = Callable[[], Awaitable[bool]]

DEFAULT_CHECK_TIMEOUT = 2.0  # for the whole readiness callable
DEFAULT_EACH_CHECK_TIMEOUT = 1.5  # for one check in gather_checks: below the whole, so the slow check is named
FAILED_READINESS = "readiness"  # the one check reported when the readiness callable itself fails


def gather_checks(checks: Mapping[str, Check], *, timeout: float = DEFAULT_EACH_CHECK_TIMEOUT) -> Readiness:
    """A readiness callable running every check concurrently; one that raises or exceeds `timeout` is False."""

    async def run(name: str, check: Check) -> bool:
        try:
            async with asyncio.timeout(timeout):
                return (await check()) is True
        except Exception:
            log.warning("readiness check %r failed", name, exc_info=True)
            return False

    async def readiness() -> dict[str, bool]:
        results = await asyncio.gather(*(run(name, check) for name, check in checks.items()))
        return dict(zip(checks, results, strict=True))

    return readiness


class HealthServer:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        readiness: Readiness,
        metrics: Metrics,
        check_timeout: float = DEFAULT_CHECK_TIMEOUT,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._readiness = readiness
        self._metrics = metrics
        self._check_timeout = check_timeout
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port actually bound (the one the OS picked when constructed with port=0)."""
        if self._port is None:
            raise RuntimeError("the health server is not running")
        return self._port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/livez", self._livez)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics_handler)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("health server listening on %s:%d", self._host, self._port)

    async def stop(self) -> None:
        runner, self._runner, self._port = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _livez(self, request: web.Request) -> web.Response:
        # Answering at all proves the event loop is responsive; a blocked loop times the probe out.
        return web.Response(text="ok")

    async def _readyz(self, request: web.Request) -> web.Response:
        checks = await self._run_readiness()
        status = 200 if all(checks.values()) else 503
        return web.json_response(checks, status=status, headers={"Cache-Control": "no-store"})

    async def _run_readiness(self) -> dict[str, bool]:
        try:
            async with asyncio.timeout(self._check_timeout):
                result = await self._readiness()
            return {str(name): ok is True for name, ok in result.items()}
        except Exception:
            log.warning("readiness failed", exc_info=True)
            return {FAILED_READINESS: False}

    async def _metrics_handler(self, request: web.Request) -> web.Response:
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
