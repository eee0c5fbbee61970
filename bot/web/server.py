"""The share pages' web server: an aiohttp app on its own port (SHARIFY_WEB_PORT), started and stopped by the
composition root like the health server.

    GET /s/{token}                  the page for one platform (?p=<platform>, the picker's form; Last.fm by default)
    GET /s/{token}/download/{fmt}   the playlist as a file, in every export format, made when first asked for
    GET /s/{token}/oembed.json      oEmbed for chat unfurls
    GET /static/...                 the stylesheet and the one small script (same origin: the CSP allows nothing else)

Every answer carries a strict Content-Security-Policy, nosniff and no-referrer. Pages and files have an ETag (a hash
of the bytes), Last-Modified and a short Cache-Control; a revalidation inside the cache lifetime is a 304 without a
store read (bot.web.cache). Unknown, revoked and trashed tokens get the same 404, byte for byte, after the same
single lookup. Each client address has a token bucket; past it, 429 with Retry-After.

Rendering, compressing and exporting are CPU work (a 1,000-track page is tens of ms): none of it runs on the event
loop, which also answers the bot's interactions. Renders and exports run one at a time in the server's worker
process, not in a thread of this one (bot.web.render says why); compression runs in a thread (zlib lets go of the
GIL). Each is made once per variant and page version (bot.web.cache), and only when first asked for: a file when
someone downloads it, a platform's page when someone picks it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Self

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.domain.clock import Clock
from bot.domain.formats import MEDIA_TYPES, Format
from bot.domain.services.share import SharePage, ShareService
from bot.domain.services.transfer import safe_filename
from bot.web import render, view
from bot.web.cache import Cached, PageCache
from bot.web.limits import RateLimiter, client_address, retry_after

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HTML = "text/html; charset=utf-8"
GZIP_FROM = 1024  # bytes: smaller answers go as they are

type GuildName = Callable[[int], str | None]
type MemberName = Callable[[int, int], str | None]


class WebServer:
    def __init__(
        self,
        shares: ShareService,
        *,
        clock: Clock,
        host: str,
        port: int,
        cache_s: float = 5.0,
        rate_per_second: float = 5.0,
        burst: int = 30,
        forwarded_hops: int = 0,
        guild_name: GuildName | None = None,
        member_name: MemberName | None = None,
    ) -> None:
        self._shares = shares
        self._host = host
        self._requested_port = port
        self.cache = PageCache(clock, ttl_s=cache_s)
        self.limiter = RateLimiter(clock, rate_per_second=rate_per_second, burst=burst)
        self._hops = forwarded_hops
        self._guild_name = guild_name or (lambda _g: None)
        self._member_name = member_name or (lambda _g, _u: None)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._worker: ProcessPoolExecutor | None = None  # renders, compresses and exports, one at a time
        self.app = self._build()
        self._env = aiohttp_jinja2.get_env(self.app)
        self._not_found = self._env.get_template("notfound.html").render().encode()
        shares.listeners.append(self._changed)

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the web server is not running")
        return self._port

    @property
    def running(self) -> bool:
        return self._runner is not None

    def _build(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(render.TEMPLATES),
            autoescape=True,  # every template, every value (the worker's environment is the same: bot.web.render)
            undefined=jinja2.StrictUndefined,
        )
        app.router.add_get("/s/{token}", self._page)
        app.router.add_get("/s/{token}/download/{fmt}", self._download)
        app.router.add_get("/s/{token}/oembed.json", self._oembed)
        app.router.add_static("/static/", HERE / "static", append_version=False)
        app.on_response_prepare.append(_secure)
        return app

    async def start(self) -> None:
        self._worker = _worker()
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            self._worker.shutdown(wait=False, cancel_futures=True)
            raise
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("share pages listening on %s:%d", self._host, self._port)

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish (up to the shutdown timeout), close."""
        runner, self._runner, self._port = self._runner, None, None
        if runner is not None:
            await runner.cleanup()
        worker, self._worker = self._worker, None
        if worker is not None:  # waits for the render in flight, if any
            await asyncio.to_thread(worker.shutdown, wait=True, cancel_futures=True)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def _changed(self, guild_id: int, token: str | None) -> None:
        if token is None:
            self.cache.evict_guild(guild_id)
        else:
            self.cache.evict_token(token)

    # -- middleware ------------------------------------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable[[web.Request], object]) -> web.StreamResponse:
        if request.path.startswith("/s/"):
            client = client_address(request.remote, request.headers.get("X-Forwarded-For"), hops=self._hops)
            wait = self.limiter.take(client)
            if wait > 0:
                return web.Response(
                    status=429,
                    text="Too many requests: wait a moment.",
                    headers={"Retry-After": retry_after(wait), "Cache-Control": "no-store"},
                )
        try:
            response = await handler(request)  # type: ignore[misc]
        except web.HTTPNotFound:
            return self.not_found()
        except BrokenExecutor:  # the worker process died (e.g. out of memory): a new one for the next visit
            log.exception("the share pages' worker process stopped; starting a new one")
            if self._worker is not None and self.running:
                self._worker.shutdown(wait=False, cancel_futures=True)
                self._worker = _worker()
            return web.Response(status=503, text="Try again in a moment.", headers={"Retry-After": "1"})
        assert isinstance(response, web.StreamResponse)
        return response

    def not_found(self) -> web.Response:
        return web.Response(
            status=404,
            body=self._not_found,
            content_type="text/html",
            charset="utf-8",
            headers={"Cache-Control": "no-store"},
        )

    # -- handlers --------------------------------------------------------------------------------------------------

    async def _cached(self, request: web.Request) -> Cached | None:
        return await self.cache.get(request.match_info["token"], self._shares.page, self._shares.unchanged)

    async def _page(self, request: web.Request) -> web.Response:
        cached = await self._cached(request)
        if cached is None or cached.page is None:
            return self.not_found()
        platform = request.query.get("p", view.DEFAULT_PLATFORM)
        if platform not in view.PLATFORM_KEYS.values():
            platform = view.DEFAULT_PLATFORM
        variant = f"page:{platform}"
        packed = await self._packed(cached)
        make = partial(render.page, packed, platform, self._shown(cached.page))
        made = await cached.variant(variant, make, self._worker)
        return await _conditional(request, cached, variant, made, HTML)

    async def _download(self, request: web.Request) -> web.Response:
        cached = await self._cached(request)
        try:
            fmt = Format(request.match_info["fmt"])
        except ValueError:
            fmt = None
        if cached is None or cached.page is None or fmt is None:
            return self.not_found()
        page = cached.page
        variant = f"file:{fmt.value}"
        make = partial(render.export, await self._packed(cached), fmt, self._shown(page))
        made = await cached.variant(variant, make, self._worker)
        name = f"{safe_filename(page.playlist.name)}.{fmt.value}"
        response = await _conditional(request, cached, variant, made, MEDIA_TYPES[fmt])
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    async def _oembed(self, request: web.Request) -> web.Response:
        cached = await self._cached(request)
        if cached is None or cached.page is None:
            return self.not_found()
        if (made := cached.rendered.get("oembed")) is None:  # the name and three tracks: made here, in microseconds
            made = cached.rendered["oembed"] = render.tagged(_oembed(cached.page))
        return await _conditional(request, cached, "oembed", made, "application/json")

    # -- what goes to the worker process ---------------------------------------------------------------------------

    async def _packed(self, cached: Cached) -> bytes:
        """The page pickled for the worker, once per version (in a thread: ~20 ms for 1,000 tracks)."""
        assert cached.page is not None
        packed, _ = await cached.variant("packed", partial(render.pack, cached.page))
        return packed

    def _shown(self, page: SharePage) -> render.Shown:
        guild = page.playlist.guild_id
        names = None
        if page.privacy.member_names:
            people = {uid for uid, _ in page.stats.contributors} | {e.added_by for e in page.entries}
            names = {uid: name for uid in people if (name := self._member_name(guild, uid))}
        server = self._guild_name(guild) if page.privacy.server_name else None
        return render.Shown(names=names, server=server, url=self._shares.url(page.share.token))


def _worker() -> ProcessPoolExecutor:
    """One worker process at a lower CPU priority (bot.web.render.start_worker), started fresh (spawn: never a fork
    of this threaded process), warmed up at once."""
    worker = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=render.start_worker
    )
    worker.submit(render.ready)
    return worker


def _oembed(page: SharePage) -> bytes:
    data = {
        "version": "1.0",
        "type": "link",
        "title": page.playlist.name,
        "provider_name": "Sharify",
        "description": view.summary(page),
    }
    return json.dumps(data, ensure_ascii=False).encode()


async def _conditional(
    request: web.Request,
    cached: Cached,
    variant: str,
    made: tuple[bytes, str],
    content_type: str,
) -> web.Response:
    """The variant's bytes (gzipped, compressed once and kept, when the client takes gzip), or a 304 when the client
    already has them. Each encoding has its own strong ETag."""
    body, etag = made
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > GZIP_FROM
    if gzipped:
        zipped = f"{variant}:gz"
        # in a thread, not the worker process: zlib and sha256 let go of the GIL while they work, and a gzip must
        # not queue behind other variants' renders
        body, etag = await cached.variant(zipped, partial(render.gzipped, body, etag))
    max_age = max(1, round(cached.ttl_s))
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}, must-revalidate", "Vary": "Accept-Encoding"}
    if cached.last_modified is not None:
        headers["Last-Modified"] = format_datetime(cached.last_modified, usegmt=True)
    tags = request.headers.get("If-None-Match", "")
    if etag in {t.strip().removeprefix("W/") for t in tags.split(",")} or tags.strip() == "*":
        return web.Response(status=304, headers=headers)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    mime, _, charset = content_type.partition("; charset=")
    return web.Response(body=body, content_type=mime, charset=charset or None, headers=headers)


async def _secure(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "public, max-age=3600"
