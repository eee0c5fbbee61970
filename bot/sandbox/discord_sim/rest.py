"""The simulated REST API: aiohttp handlers over :class:`~.state.SimState`.

Every reply carries ``Content-Type: application/json`` exactly (discord.py's ``json_or_text`` rejects a charset),
every request is recorded, and every rule violation is answered in Discord's error shape and recorded.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, web

from . import bodies
from .faults import Faults
from .records import InteractionRecord, RequestRecord, Violation
from .state import SimState, UploadedFile
from .validation import DiscordAPIError

log = logging.getLogger(__name__)

API = r"/api/{version:v\d+}"
API_PREFIX = "/api/{version}"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NO_AUTH_PREFIXES = ("/interactions/", "/webhooks/")
PAYLOAD: web.RequestKey[Any] = web.RequestKey("payload", object)
FILES = web.RequestKey("files", list)
INTERACTION = web.RequestKey("interaction", InteractionRecord)


BODY: web.ResponseKey[Any] = web.ResponseKey("body", object)


def json_response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON reply with the exact header discord.py needs; 204 has no body."""
    if status == 204:
        return web.Response(status=204, headers=headers)
    response = web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={**(headers or {}), "Content-Type": "application/json"},
    )
    response[BODY] = body
    return response


def sim_route(request: web.Request) -> str | None:
    """The simulator's route pattern under ``/api/v10`` (``/channels/{channel}/messages``), None off the API."""
    canonical = request.match_info.route.resource.canonical if request.match_info.route.resource else ""
    return canonical[len(API_PREFIX) :] if canonical.startswith(API_PREFIX + "/") else None


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    if not request.body_exists:
        return None, []
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        payload: Any = None
        files: list[tuple[int, UploadedFile]] = []
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                payload = json.loads(data)
            elif part.name and part.name.startswith("files["):
                index = int(part.name[6:-1])
                kind = part.headers.get("Content-Type", "application/octet-stream")
                files.append((index, (part.filename or f"file{index}", bytes(data), kind)))
        return payload, [f for _, f in sorted(files)]
    raw = await request.read()
    return (json.loads(raw) if raw else None), []


class RestAPI:
    """Registers the REST routes on an aiohttp application."""

    def __init__(
        self,
        state: SimState,
        faults: Faults,
        gateway_url: Callable[[], str],
        shards: Callable[[], int],
        *,
        check_spec: bool = True,
        round_trip: float = 0.0,
    ) -> None:
        self.check_spec = check_spec
        self.round_trip = round_trip  # seconds on the network per request: half on the way in, half on the way out
        self.state = state
        self.faults = faults
        self._gateway_url = gateway_url
        self._shards = shards

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self.middleware)
        add = app.router.add_route
        add("GET", API + "/users/@me", self.me)
        add("GET", API + "/oauth2/applications/@me", self.application)
        add("GET", API + "/gateway/bot", self.gateway_bot)
        add("GET", API + "/applications/{app}/commands", self.get_commands)
        add("PUT", API + "/applications/{app}/commands", self.put_commands)
        add("GET", API + "/applications/{app}/guilds/{guild}/commands", self.get_commands)
        add("PUT", API + "/applications/{app}/guilds/{guild}/commands", self.put_commands)
        add("POST", API + "/interactions/{id}/{token}/callback", self.callback)
        for method in ("GET", "PATCH", "DELETE"):
            add(method, API + "/webhooks/{app}/{token}/messages/@original", self.original)
            add(method, API + "/webhooks/{app}/{token}/messages/{message}", self.webhook_message)
            add(method, API + "/channels/{channel}/messages/{message}", self.channel_message)
        add("POST", API + "/webhooks/{app}/{token}", self.followup)
        add("GET", API + "/channels/{channel}", self.get_channel)
        add("POST", API + "/channels/{channel}/messages", self.channel_send)
        add("GET", API + "/channels/{channel}/messages", self.channel_history)
        add("GET", "/attachments/{id}/{filename}", self.attachment)

    # -- middleware ----------------------------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)
        if self.round_trip:
            await asyncio.sleep(self.round_trip / 2)
        path = request.path
        api_path = path.split("/", 3)[3] if path.startswith("/api/") and path.count("/") >= 3 else path
        api_path = "/" + api_path.lstrip("/")
        payload, files = await _read_body(request)
        record = RequestRecord(
            request.method,
            api_path,
            dict(request.query),
            dict(request.headers),
            payload,
            [(name, data) for name, data, _ in files],
        )
        self.state.requests.append(record)
        request[PAYLOAD], request[FILES] = payload, files
        response = await self._respond(request, handler, record)
        record.status = response.status
        if isinstance(response, web.Response):
            record.response = response.get(BODY)
        if self.round_trip:
            await asyncio.sleep(self.round_trip / 2)
        return response

    async def _respond(self, request: web.Request, handler: Handler, record: RequestRecord) -> web.StreamResponse:
        method, path = record.method, record.path
        if path.startswith("/attachments/"):
            return await handler(request)
        injection = self.faults.take_injection(method, path)
        headers, overrun = self.faults.limit_for(method, path)
        failure = injection or overrun
        if failure is not None:
            status, body, extra = failure.response()
            log.info("simulated %s on %s %s", status, method, path)
            return json_response(status, body, extra)
        if request.match_info.http_exception is not None:
            log.warning("discord_sim: unknown route %s %s", method, request.path)
            return json_response(404, {"message": "404: Not Found", "code": 0}, headers)
        if not path.startswith(NO_AUTH_PREFIXES) and request.headers.get("Authorization") != (
            f"Bot {self.state.token}"
        ):
            return json_response(401, {"message": "401: Unauthorized", "code": 0})
        try:
            self._check_body(request, record)
            response = await handler(request)
        except DiscordAPIError as error:
            violation = Violation(
                method, path, error.status, error.code, error.message, error.errors, record.json, error.kind
            )
            self.state.violations.append(violation)
            record_ = request.get(INTERACTION)
            if isinstance(record_, InteractionRecord):
                record_.errors.append(violation)
                record_.touch()
            log.info("discord_sim: %s", violation)
            return json_response(error.status, error.body(), headers)
        response.headers.update(headers)
        return response

    def _check_body(self, request: web.Request, record: RequestRecord) -> None:
        """Discord's OpenAPI check of the body; a rejected body still counts as the interaction's answer."""
        route = sim_route(request)
        if not self.check_spec or route is None or record.json is None:
            return
        try:
            verdict = bodies.check(route, record.method, record.json)
        except DiscordAPIError as error:
            record.spec = error.errors
            self._note_rejected(request, route, record.json)
            raise
        record.spec = None if verdict is None else "valid"

    def _note_rejected(self, request: web.Request, route: str, body: Any) -> None:
        info = request.match_info
        interaction: InteractionRecord | None = None
        if route == bodies.CALLBACK and info["id"].isdigit():
            interaction = self.state.interactions.get(int(info["id"]))
            if interaction is not None and interaction.token == info["token"]:
                interaction.attempted = True
                interaction.callback_at = interaction.callback_at or time.monotonic()
            else:
                interaction = None
        elif route.startswith("/webhooks/"):
            interaction = self.state.by_token.get(info["token"])
        if interaction is not None:
            interaction.bodies.append(body)
            request[INTERACTION] = interaction

    # -- handlers ------------------------------------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        return json_response(
            200, {**self.state.bot.payload(), "verified": True, "mfa_enabled": False, "locale": "en-US"}
        )

    async def application(self, request: web.Request) -> web.Response:
        bot = self.state.bot
        return json_response(
            200,
            {
                "id": str(bot.id),
                "name": bot.name,
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": bot.payload(),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
                "bot": bot.payload(),
                "type": None,
                "flags_new": "0",
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "role_connections_verification_url": None,
                "approximate_guild_count": len(self.state.guilds),
                "approximate_user_install_count": 0,
                "approximate_user_authorization_count": 0,
                "explicit_content_filter": 0,
                "eligible_oauth2_scopes": ["bot", "applications.commands"],
            },
        )

    async def gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return json_response(200, {"url": self._gateway_url(), "shards": self._shards(), "session_start_limit": limit})

    def _scope(self, request: web.Request) -> int | None:
        if int(request.match_info["app"]) != self.state.bot.id:
            raise DiscordAPIError(403, 50001, "Missing Access")
        guild = request.match_info.get("guild")
        return int(guild) if guild is not None else None

    async def get_commands(self, request: web.Request) -> web.Response:
        return json_response(200, self.state.commands.get(self._scope(request), []))

    async def put_commands(self, request: web.Request) -> web.Response:
        return json_response(200, self.state.sync_commands(self._scope(request), request[PAYLOAD]))

    async def callback(self, request: web.Request) -> web.Response:
        record = self.state.record_for(int(request.match_info["id"]), request.match_info["token"])
        request[INTERACTION] = record
        try:
            body = self.state.callback(record, request[PAYLOAD] or {}, request[FILES])
        finally:
            record.touch()
        return json_response(200, body)

    def _webhook(self, request: web.Request) -> InteractionRecord:
        record = self.state.webhook_record(int(request.match_info["app"]), request.match_info["token"])
        request[INTERACTION] = record
        record.bodies.append(request[PAYLOAD])
        return record

    async def original(self, request: web.Request) -> web.Response:
        record = self._webhook(request)
        try:
            if request.method == "GET":
                return json_response(200, self.state.original(record).payload())
            if request.method == "PATCH":
                message = self.state.edit_original(record, request[PAYLOAD] or {}, request[FILES])
                return json_response(200, message.payload())
            if request.method == "DELETE":
                self.state.original(record).deleted = True
                return json_response(204)
            raise DiscordAPIError(405, 0, "405: Method Not Allowed")
        finally:
            record.touch()

    async def followup(self, request: web.Request) -> web.Response:
        record = self._webhook(request)
        try:
            message = self.state.followup(record, request[PAYLOAD] or {}, request[FILES])
        finally:
            record.touch()
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(200, message.payload())
        return json_response(204)

    async def webhook_message(self, request: web.Request) -> web.Response:
        record = self._webhook(request)
        try:
            message = self.state.webhook_message(record, int(request.match_info["message"]))
            if request.method == "PATCH":
                self.state.edit_message(message, request[PAYLOAD] or {}, request[FILES])
                record.add_message(message.id)
            elif request.method == "DELETE":
                message.deleted = True
                return json_response(204)
            return json_response(200, message.payload())
        finally:
            record.touch()

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(200, self.state.channel(int(request.match_info["channel"])).payload())

    async def channel_send(self, request: web.Request) -> web.Response:
        channel_id = int(request.match_info["channel"])
        message = self.state.channel_send(channel_id, request[PAYLOAD] or {}, request[FILES])
        data = message.payload()
        if message.nonce is not None:
            data["nonce"] = message.nonce
        return json_response(200, data)

    async def channel_history(self, request: web.Request) -> web.Response:
        query = request.query

        def snowflake(name: str) -> int | None:
            value = query.get(name)
            return int(value) if value and value.isdigit() else None

        limit = int(query["limit"]) if query.get("limit", "").isdigit() else 50
        found = self.state.channel_history(
            int(request.match_info["channel"]), limit=limit, before=snowflake("before"), after=snowflake("after")
        )
        return json_response(200, [m.payload() for m in found])

    async def channel_message(self, request: web.Request) -> web.Response:
        message = self.state.channel_message(int(request.match_info["channel"]), int(request.match_info["message"]))
        if request.method == "PATCH":
            self.state.edit_message(message, request[PAYLOAD] or {}, request[FILES])
        elif request.method == "DELETE":
            message.deleted = True
            return json_response(204)
        elif request.method != "GET":
            raise DiscordAPIError(405, 0, "405: Method Not Allowed")
        return json_response(200, message.payload())

    async def attachment(self, request: web.Request) -> web.Response:
        attachment = self.state.attachments.get(int(request.match_info["id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return json_response(404, {"message": "404: Not Found", "code": 0})
        return web.Response(body=attachment.data, headers={"Content-Type": attachment.content_type})
