"""The stand-in server: an aiohttp app that answers like Last.fm's /2.0/ endpoint, on loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

from bot.sandbox.lastfm_standin.catalog import Catalog
from bot.sandbox.lastfm_standin.faults import HTML_PAGE, MESSAGES, Fault, Rule
from bot.sandbox.lastfm_standin.fixtures import FixtureApi, default_fixtures_dir
from bot.sandbox.lastfm_standin.render import CatalogApi
from bot.sandbox.lastfm_standin.shapes import ApiError

log = logging.getLogger(__name__)

Mode = Literal["catalog", "fixtures"]
_TRANSPORT_PARAMS = frozenset({"method", "format", "api_key", "api_sig", "sk", "callback"})


@dataclass(frozen=True)
class Call:
    method: str
    params: Mapping[str, str]  # without method, format and api_key
    user_agent: str
    at: float  # loop time when the request arrived


class LastfmStandin:
    """`async with LastfmStandin() as fm: ... fm.url ...`

    mode="catalog" answers from a generated, seeded catalog; mode="fixtures" serves the recorded files.
    Faults are injected with `inject()`; every request is recorded in `calls` (`count()` filters them).
    """

    def __init__(
        self,
        *,
        mode: Mode = "catalog",
        seed: int = 1,
        catalog: Catalog | None = None,
        fixtures_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        jitter: float = 0.0,
        unknown_track: Literal["error", "stub"] = "error",
    ) -> None:
        self.mode = mode
        self.host = host
        self.port = port
        self.latency = latency
        self.jitter = jitter
        self._rng = random.Random(seed)
        self.catalog: Catalog | None = None
        self.catalog_api: CatalogApi | None = None
        self.fixtures: FixtureApi | None = None
        if mode == "catalog":
            self.catalog = catalog or Catalog(seed)
            self.catalog_api = CatalogApi(self.catalog, unknown_track=unknown_track)
        else:
            self.fixtures = FixtureApi(fixtures_dir or default_fixtures_dir())
        self.calls: list[Call] = []
        self.rules: list[Rule] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/2.0/", self._handle)
        self.app.router.add_route("*", "/2.0", self._handle)
        self.app.router.add_route("*", "/", self._handle)

    # -- lifecycle ----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/2.0/"

    async def start(self) -> None:
        self._closing.clear()
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LastfmStandin:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- test controls ------------------------------------------------------------------------------------

    def inject(
        self, fault: Fault, *, times: int | None = 1, fraction: float | None = None, method: str | None = None
    ) -> None:
        """Apply `fault` to the next `times` matching calls (times=None: all of them), or to a random
        `fraction` of them (seeded). `method` restricts it to one API method."""
        remaining = None if fraction is not None and times == 1 else times
        self.rules.append(Rule(fault, method, remaining, fraction))

    def clear_faults(self) -> None:
        self.rules.clear()

    def count(self, method: str | None = None, **params: str) -> int:
        """Requests received for `method` whose parameters include `params` (all requests by default)."""
        return sum(
            1
            for c in self.calls
            if (method is None or c.method.lower() == method.lower())
            and all(c.params.get(k) == v for k, v in params.items())
        )

    def reset_calls(self) -> None:
        self.calls.clear()
        self.max_in_flight = 0

    # -- the endpoint -------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        query: dict[str, str] = dict(request.query)
        if request.method == "POST":
            form = await request.post()
            query.update({k: str(v) for k, v in form.items()})
        method = query.get("method", "")
        params = {k: v for k, v in query.items() if k not in _TRANSPORT_PARAMS}
        loop = asyncio.get_running_loop()
        arrived = loop.time()
        self.calls.append(Call(method, params, request.headers.get("User-Agent", ""), arrived))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            # The answer is built on arrival and sent `latency` after it: the latency is the whole time to answer,
            # the stand-in's own work included, as a remote server's is.
            answer = self._answer(method, query, params)
            delay = self.latency + (self._rng.uniform(0, self.jitter) if self.jitter else 0.0)
            remaining = delay - (loop.time() - arrived)
            if remaining > 0:
                await self._wait(remaining)
            fault = next((r.fault for r in self.rules if r.take(method, self._rng)), None)
            if fault is not None:
                response = await self._fault(fault)
                if response is not None:
                    return response
            return answer
        finally:
            self.in_flight -= 1

    async def _wait(self, seconds: float) -> bool:
        """Sleep, cut short when the stand-in closes. True if it closed."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _fault(self, fault: Fault) -> web.StreamResponse | None:
        if fault.kind == "api":
            return _json(fault.status, {"error": fault.code, "message": fault.message, "links": []})
        if fault.kind == "http":
            return web.Response(status=fault.status, text=f"{fault.status} {_reason(fault.status)}")
        if fault.kind == "html":
            return web.Response(status=fault.status, text=HTML_PAGE, content_type="text/html")
        if fault.kind == "hang":
            await self._wait(fault.seconds)
            return web.Response(status=504, text="504 Gateway Timeout")
        await self._wait(fault.seconds)  # slow: then the normal answer
        return None

    def _answer(self, method: str, query: Mapping[str, str], params: Mapping[str, str]) -> web.StreamResponse:
        if not query.get("api_key", "").strip():
            return _json(403, {"error": 10, "message": MESSAGES[10], "links": []})
        if query.get("format") != "json":
            return web.Response(status=400, text="This stand-in only speaks format=json")
        if self.fixtures is not None:
            status, raw = self.fixtures.handle(method, params)
            return web.Response(status=status, body=raw, content_type="application/json")
        assert self.catalog_api is not None
        try:
            status, body = self.catalog_api.handle(method, params)
        except ApiError as e:
            return _json(e.status, {"error": e.code, "message": e.message, "links": []})
        return _json(status, body)


def _json(status: int, body: Any) -> web.Response:
    return web.Response(status=status, text=json.dumps(body, ensure_ascii=False), content_type="application/json")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
