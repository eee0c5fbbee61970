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
loop, which also answers the bot's interactions. They run one at a time on the server's own worker thread (so a
burst of first visits to many variants costs the loop at most one busy thread, not one per core), each made once
per variant and page version (bot.web.cache), and only when first asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Self

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.domain import formats
from bot.domain.clock import Clock
from bot.domain.formats import MEDIA_TYPES, ExportTrack, Format
from bot.domain.services.share import SharePage, ShareService
from bot.domain.services.transfer import safe_filename
from bot.web import view
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
        self._worker: ThreadPoolExecutor | None = None  # renders, compresses and exports, one at a time
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
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=True,  # every template, every value
            undefined=jinja2.StrictUndefined,
        )
        app.router.add_get("/s/{token}", self._page)
        app.router.add_get("/s/{token}/download/{fmt}", self._download)
        app.router.add_get("/s/{token}/oembed.json", self._oembed)
        app.router.add_static("/static/", HERE / "static", append_version=False)
        app.on_response_prepare.append(_secure)
        return app

    async def start(self) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="share-pages")
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
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)

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
        render = partial(_tagged, self._render, cached.page, platform)
        made = await cached.variant(variant, render, self._worker)
        return await _conditional(request, cached, variant, made, HTML, executor=self._worker)

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
        made = await cached.variant(variant, partial(_tagged, self._export, page, fmt), self._worker)
        name = f"{safe_filename(page.playlist.name)}.{fmt.value}"
        response = await _conditional(request, cached, variant, made, MEDIA_TYPES[fmt], executor=self._worker)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    async def _oembed(self, request: web.Request) -> web.Response:
        cached = await self._cached(request)
        if cached is None or cached.page is None:
            return self.not_found()
        made = await cached.variant("oembed", partial(_tagged, _oembed, cached.page), executor=self._worker)
        return await _conditional(request, cached, "oembed", made, "application/json", executor=self._worker)

    # -- rendering (off the event loop) --------------------------------------------------------------------------

    def _names(self, page: SharePage) -> view.Names | None:
        if not page.privacy.member_names:
            return None
        guild = page.playlist.guild_id
        return lambda user_id: self._member_name(guild, user_id)

    def _render(self, page: SharePage, platform: str) -> bytes:
        server = self._guild_name(page.playlist.guild_id) if page.privacy.server_name else None
        shown = view.build(page, platform=platform, names=self._names(page), server=server)
        url = self._shares.url(page.share.token)
        context = {
            "view": shown,
            "url": url,
            "base": f"/s/{page.share.token}",
            "platforms": view.PLATFORMS,
            "formats": list(view.FORMAT_LABELS.items()),
        }
        return self._env.get_template("page.html").render(context).encode()

    def _export(self, page: SharePage, fmt: Format) -> bytes:
        names = self._names(page)
        tracks = [
            ExportTrack(
                track=e.track,
                added_by=view.contributor_label(e.added_by, names) if names else None,
                added_at=e.added_at,
            )
            for e in page.entries
        ]
        return formats.export(page.playlist.name, page.playlist.description, tracks, fmt, date=page.playlist.created_at)


def _oembed(page: SharePage) -> bytes:
    data = {
        "version": "1.0",
        "type": "link",
        "title": page.playlist.name,
        "provider_name": "Sharify",
        "description": view.summary(page),
    }
    return json.dumps(data, ensure_ascii=False).encode()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _tagged[*A](make: Callable[[*A], bytes], *args: *A) -> tuple[bytes, str]:
    body = make(*args)
    return body, _etag(body)


def _gzipped(body: bytes, etag: str) -> tuple[bytes, str]:
    return gzip.compress(body, 6, mtime=0), etag[:-1] + '-gz"'


async def _conditional(
    request: web.Request,
    cached: Cached,
    variant: str,
    made: tuple[bytes, str],
    content_type: str,
    *,
    executor: ThreadPoolExecutor | None,
) -> web.Response:
    """The variant's bytes (gzipped, compressed once and kept, when the client takes gzip), or a 304 when the client
    already has them. Each encoding has its own strong ETag."""
    body, etag = made
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > GZIP_FROM
    if gzipped:
        zipped = f"{variant}:gz"
        body, etag = await cached.variant(zipped, partial(_gzipped, body, etag), executor)
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
