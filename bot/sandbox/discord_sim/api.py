"""The test-facing :class:`DiscordSimulator`: build a world, run a bot against it, act as users, inspect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import discord
from aiohttp import web

from .builders import (
    DEFAULT_ATTACHMENT_LIMIT,
    Resolver,
    channel_of,
    command_interaction,
    envelope,
    find_component,
    member_of,
    modal_components,
    select_data,
)
from .commands import CommandUsageError
from .faults import Faults, Injection
from .gateway import INVALID_SESSION, RECONNECT, Gateway, GatewayEvent
from .messages import SimMessage
from .model import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    JSON,
    Overwrite,
    SimChannel,
    SimGuild,
    SimMember,
    SimRole,
    SimUser,
)
from .records import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    MissedDeadline,
    Reply,
    RequestRecord,
    Violation,
)
from .rest import RestAPI
from .runner import patched_endpoints, run_client
from .state import SimState

log = logging.getLogger(__name__)

GuildRef = SimGuild | str | int
MemberRef = SimMember | SimUser | str | int
Perms = int | discord.Permissions


def _perm_value(value: Perms) -> int:
    return value.value if isinstance(value, discord.Permissions) else int(value)


class DiscordSimulator:
    """A local Discord (REST + Gateway on one loopback port). See the package docstring for the tour."""

    def __init__(
        self,
        *,
        token: str = "sim-token",  # noqa: S107 - a fake token for a fake Discord
        bot_name: str = "SimBot",
        deadline: float = 3.0,
        settle: float = 0.05,
        response_timeout: float = 5.0,
        heartbeat_interval: float = 41.25,
        recommended_shards: int = 1,
        bot_permissions: Perms = DEFAULT_BOT_PERMISSIONS,
        attachment_size_limit: int = DEFAULT_ATTACHMENT_LIMIT,
        host: str = "127.0.0.1",
        port: int = 0,
        check_spec: bool = True,
        strict_descriptions: bool = False,
    ) -> None:
        """``check_spec``: validate every request body against Discord's OpenAPI spec (needs the dev extra).
        ``strict_descriptions``: reject a command sync whose commands or options keep discord.py's placeholder
        description ``"…"`` (found either way in :attr:`placeholder_descriptions`)."""
        self.host, self._port = host, port
        self.check_spec = check_spec
        self.settle, self.response_timeout = settle, response_timeout
        self.recommended_shards = recommended_shards
        self.bot_permissions = _perm_value(bot_permissions)
        self.attachment_size_limit = attachment_size_limit
        self.state = SimState(bot=SimUser(0, bot_name, bot=True), token=token, attachment_url="", deadline=deadline)
        self.state.strict_descriptions = strict_descriptions
        self.state.bot.id = self.state.ids.next()
        self.state.users[self.state.bot.id] = self.state.bot
        self.faults = Faults()
        self.gateway = Gateway(self.state, lambda: f"{self.ws_base}/resume", heartbeat_interval)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- lifecycle -----------------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for path in ("/gateway", "/resume", "/"):
            app.router.add_get(path, self.gateway.handle)
        rest = RestAPI(
            self.state,
            self.faults,
            lambda: f"{self.ws_base}/gateway",
            lambda: self.recommended_shards,
            check_spec=self.check_spec,
        )
        rest.install(app)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self.state.attachment_url = f"{self.http_base}/attachments"
        log.info("discord simulator listening on %s", self.http_base)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def port(self) -> int:
        return self._port

    @property
    def http_base(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def ws_base(self) -> str:
        return f"ws://{self.host}:{self._port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return f"{self.http_base}/api/v10"

    @property
    def gateway_url(self) -> str:
        """The value for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"{self.ws_base}/gateway"

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def bot_user(self) -> SimUser:
        return self.state.bot

    def patch_discord(self) -> contextlib.AbstractContextManager[None]:
        """``with sim.patch_discord(): ...`` points discord.py's REST base and gateway at this simulator."""
        return patched_endpoints(self.api_base, self.gateway_url)

    def running[C: discord.Client](
        self, client: C, *, ready_timeout: float = 10.0, guild_ready_timeout: float = 0.02
    ) -> contextlib.AbstractAsyncContextManager[C]:
        """``async with sim.running(bot):`` logs in, connects, waits for ready; closes and unpatches on exit."""
        return run_client(
            client,
            token=self.token,
            api_base=self.api_base,
            gateway_url=self.gateway_url,
            ready_timeout=ready_timeout,
            guild_ready_timeout=guild_ready_timeout,
        )

    # -- the world -----------------------------------------------------------------------------------------------

    def _live(self, event: str, data: JSON, guild_id: int) -> None:
        if self.gateway.sessions:
            coro = self.gateway.dispatch(event, data, guild_id=guild_id)
            self._tasks.append(asyncio.get_running_loop().create_task(coro))

    async def _drain(self) -> None:
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*tasks)

    def add_user(self, name: str, *, bot: bool = False, id: int | None = None) -> SimUser:
        """A user; a fixed ``id`` keeps the same identity across runs (the sandbox's persistent data)."""
        user = SimUser(id or self.state.ids.next(), name, bot=bot)
        self.state.users[user.id] = user
        return user

    def guild(self, ref: GuildRef) -> SimGuild:
        if isinstance(ref, SimGuild):
            return ref
        for guild in self.state.guilds.values():
            if ref in (guild.id, guild.name):
                return guild
        raise KeyError(f"no guild {ref!r}")

    def add_guild(
        self,
        name: str,
        *,
        channels: Iterable[str] = ("general",),
        everyone_permissions: Perms = DEFAULT_EVERYONE_PERMISSIONS,
        owner: str | None = None,
        id: int | None = None,
    ) -> SimGuild:
        """A guild with @everyone, an owner, the bot (with a role holding ``bot_permissions``) and text channels."""
        guild_id = id or self.state.ids.next_guild()
        owner_user = self.add_user(owner or f"{name} owner")
        guild = SimGuild(guild_id, name, owner_user.id)
        guild.roles[guild_id] = SimRole(guild_id, guild_id, "@everyone", _perm_value(everyone_permissions))
        self.state.guilds[guild_id] = guild
        bot_role = self.add_role(guild, self.state.bot.name, permissions=self.bot_permissions)
        guild.members[owner_user.id] = SimMember(owner_user, guild_id)
        guild.members[self.state.bot.id] = SimMember(self.state.bot, guild_id, [bot_role.id])
        for channel in channels:
            self.add_channel(guild, channel)
        self._live("GUILD_CREATE", guild.payload(bot_id=self.state.bot.id), guild_id)
        return guild

    async def remove_bot(self, guild: GuildRef) -> None:
        """The bot is kicked from (or leaves) the guild: GUILD_DELETE without ``unavailable`` (on_guild_remove)."""
        target = self.guild(guild)
        await self.gateway.dispatch("GUILD_DELETE", {"id": str(target.id)}, guild_id=target.id)

    async def add_bot_back(self, guild: GuildRef) -> None:
        """The bot is invited to the guild again: a fresh GUILD_CREATE (on_guild_join)."""
        target = self.guild(guild)
        payload = {k: v for k, v in target.payload(bot_id=self.state.bot.id).items() if k != "unavailable"}
        await self.gateway.dispatch("GUILD_CREATE", payload, guild_id=target.id)  # no "unavailable": a new join

    def add_role(
        self,
        guild: GuildRef,
        name: str,
        *,
        permissions: Perms = 0,
        mentionable: bool = False,
        color: int = 0,
        id: int | None = None,
    ) -> SimRole:
        target = self.guild(guild)
        role = SimRole(id or self.state.ids.next(), target.id, name, _perm_value(permissions), len(target.roles),
                       mentionable, color)  # fmt: skip
        target.roles[role.id] = role
        self._live("GUILD_ROLE_CREATE", {"guild_id": str(target.id), "role": role.payload()}, target.id)
        return role

    def add_member(
        self,
        guild: GuildRef,
        user: str | SimUser,
        *,
        roles: Iterable[SimRole | str] = (),
        permissions: Perms | None = None,
        nick: str | None = None,
    ) -> SimMember:
        """A member; ``permissions`` gives them a personal role with exactly those permissions."""
        target = self.guild(guild)
        account = user if isinstance(user, SimUser) else self.add_user(user)
        role_ids = [r.id if isinstance(r, SimRole) else target.role(r).id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(target, f"{account.name} perms", permissions=permissions).id)
        member = SimMember(account, target.id, role_ids, nick)
        target.members[account.id] = member
        self._live("GUILD_MEMBER_ADD", {**member.payload(), "guild_id": str(target.id)}, target.id)
        return member

    def add_channel(
        self,
        guild: GuildRef,
        name: str,
        *,
        kind: int = 0,
        topic: str | None = None,
        overwrites: Mapping[SimRole | SimMember | SimGuild, tuple[Perms, Perms]] | None = None,
    ) -> SimChannel:
        """A channel; ``overwrites`` maps a role, member or the guild (= @everyone) to ``(allow, deny)``."""
        target = self.guild(guild)
        entries = [
            Overwrite(who.id, 1 if isinstance(who, SimMember) else 0, _perm_value(allow), _perm_value(deny))
            for who, (allow, deny) in (overwrites or {}).items()
        ]
        channel = SimChannel(self.state.ids.next(), target.id, name, kind, len(target.channels), topic, entries)
        target.channels[channel.id] = channel
        self._live("CHANNEL_CREATE", channel.payload(), target.id)
        return channel

    # -- acting as users -----------------------------------------------------------------------------------------

    async def _run(self, record: InteractionRecord, within: float | None) -> Reply:
        await self._drain()

        def sent() -> None:
            record.dispatched_at = time.monotonic()

        await self.gateway.dispatch("INTERACTION_CREATE", record.payload, guild_id=record.guild_id, on_sent=sent)
        await record.settle(quiet=self.settle, limit=within or self.response_timeout)
        return Reply(record, self.state.messages.get)

    def _command_record(
        self, kind: int, guild: GuildRef, user: MemberRef, path: str, *, in_channel: Any, values: Mapping[str, Any],
        focused: str | None,
    ) -> InteractionRecord:  # fmt: skip
        target = self.guild(guild)
        return command_interaction(
            self.state, kind, guild=target, member=member_of(target, user), channel=channel_of(target, in_channel),
            path=path, values=values, focused=focused, attachment_size_limit=self.attachment_size_limit,
        )  # fmt: skip

    async def command(
        self, guild: GuildRef, user: MemberRef, path: str, /, *, in_channel: SimChannel | str | None = None,
        within: float | None = None, options: Mapping[str, Any] | None = None, **values: Any,
    ) -> Reply:  # fmt: skip
        """Run ``/path`` (e.g. ``"playlist add"``) as ``user``; option values by keyword or in ``options``."""
        merged = {**(options or {}), **values}
        record = self._command_record(
            APPLICATION_COMMAND, guild, user, path, in_channel=in_channel, values=merged, focused=None
        )
        return await self._run(record, within)

    async def autocomplete(
        self, guild: GuildRef, user: MemberRef, path: str, /, *, focused: str,
        in_channel: SimChannel | str | None = None, options: Mapping[str, Any] | None = None, **values: Any,
    ) -> list[JSON]:  # fmt: skip
        """Type into option ``focused``; returns the bot's choices (``[]`` if its answer was rejected)."""
        merged = {**(options or {}), **values}
        record = self._command_record(
            AUTOCOMPLETE, guild, user, path, in_channel=in_channel, values=merged, focused=focused
        )
        return (await self._run(record, None)).choices

    def _component_record(
        self, kind: int, reply: Reply, message: SimMessage, data: JSON, user: MemberRef | None
    ) -> InteractionRecord:
        guild = self.guild(message.guild_id or reply.record.guild_id or 0)
        member = member_of(guild, user if user is not None else reply.record.user)
        channel = guild.channels[message.channel_id]
        return envelope(
            self.state, kind, name=f"{reply.record.name} > {data.get('custom_id')}", guild=guild, member=member,
            channel=channel, data=data, message=message, attachment_size_limit=self.attachment_size_limit,
        )  # fmt: skip

    async def click(self, reply: Reply, button: str, *, user: MemberRef | None = None) -> Reply:
        """Press a button (by label or custom_id) on one of the reply's messages."""
        message, component = find_component(reply, button, {2})
        if "custom_id" not in component:
            raise CommandUsageError(f"button {button!r} is a link button")
        data = {"custom_id": component["custom_id"], "component_type": 2}
        return await self._run(self._component_record(MESSAGE_COMPONENT, reply, message, data, user), None)

    async def select(self, reply: Reply, select: str, values: Iterable[Any], *, user: MemberRef | None = None) -> Reply:
        """Choose ``values`` in a select (by custom_id or placeholder); string selects accept labels too."""
        message, component = find_component(reply, select, {3, 5, 6, 7, 8})
        guild = self.guild(message.guild_id or 0)
        member = member_of(guild, user if user is not None else reply.record.user)
        resolver = Resolver(self.state, guild, member, guild.channels[message.channel_id])
        data = select_data(component, list(values), resolver)
        return await self._run(self._component_record(MESSAGE_COMPONENT, reply, message, data, user), None)

    async def submit_modal(self, reply: Reply, values: Mapping[str, Any], *, user: MemberRef | None = None) -> Reply:
        """Fill in and submit the modal the bot opened in ``reply`` (fields by custom_id or label)."""
        modal = reply.modal
        if modal is None:
            raise CommandUsageError(f"{reply!r} did not open a modal")
        data = {"custom_id": modal["custom_id"], "components": modal_components(modal, dict(values))}
        source = self.state.messages.get(reply.record.component_message_id or 0)
        guild = self.guild(reply.record.guild_id or 0)
        member = member_of(guild, user if user is not None else reply.record.user)
        channel = guild.channels[reply.record.channel_id]
        record = envelope(
            self.state, MODAL_SUBMIT, name=f"{reply.record.name} > modal", guild=guild, member=member,
            channel=channel, data=data, message=source, attachment_size_limit=self.attachment_size_limit,
        )  # fmt: skip
        return await self._run(record, None)

    def posted(self, message: SimMessage, *, user: SimMember) -> Reply:
        """A message the bot posted on its own (not an answer to an interaction), as a Reply whose buttons
        ``click`` can press as ``user``."""
        record = InteractionRecord(
            id=0, token="", kind=0, name="message", guild_id=message.guild_id, channel_id=message.channel_id,
            user=user.user, payload={}, original_id=message.id, message_ids=[message.id],
        )  # fmt: skip
        return Reply(record, self.state.messages.get)

    # -- inspection ----------------------------------------------------------------------------------------------

    def channel_messages(self, channel: SimChannel | int) -> list[SimMessage]:
        """Live, non-ephemeral messages in a channel (channel posts and public interaction replies), oldest first."""
        channel_id = channel.id if isinstance(channel, SimChannel) else channel
        found = [m for m in self.state.messages.values() if m.channel_id == channel_id]
        return sorted((m for m in found if not m.deleted and not m.ephemeral), key=lambda m: m.id)

    @property
    def requests(self) -> list[RequestRecord]:
        return self.state.requests

    @property
    def violations(self) -> list[Violation]:
        return self.state.violations

    @property
    def spec_checked(self) -> int:
        """Request bodies this simulator checked against Discord's OpenAPI spec."""
        return sum(1 for r in self.state.requests if r.spec is not None)

    @property
    def placeholder_descriptions(self) -> list[str]:
        """Registered commands/options whose description is discord.py's placeholder, as ``/cmd sub option``."""
        return self.state.placeholder_descriptions

    @property
    def missed_deadlines(self) -> list[MissedDeadline]:
        return self.state.missed_deadlines

    @property
    def commands(self) -> dict[int | None, list[JSON]]:
        """Registered commands by scope: ``None`` for global, else the guild id."""
        return self.state.commands

    @property
    def gateway_events(self) -> list[GatewayEvent]:
        return self.gateway.events

    # -- faults --------------------------------------------------------------------------------------------------

    async def wait_connected(self, within: float = 10.0) -> None:
        """Wait until every shard is connected (identified or resumed) again."""
        await self.gateway.wait_connected(within)

    async def drop_gateway(self, code: int | None = 4000, *, shard: int | None = None) -> None:
        """Close the gateway (``code=None``: cut TCP with no close frame, like a 1006); the bot RESUMEs."""
        await self.gateway.drop(code, shard)

    async def send_reconnect(self, *, shard: int | None = None) -> None:
        """Send op 7 RECONNECT; discord.py reconnects to ``resume_gateway_url`` and RESUMEs."""
        await self.gateway.send_op(RECONNECT, None, shard)

    async def invalidate_session(self, *, resumable: bool, shard: int | None = None) -> None:
        """Send op 9 INVALID_SESSION; ``resumable=False`` forgets the session so the bot must IDENTIFY again."""
        await self.gateway.send_op(INVALID_SESSION, resumable, shard, forget=not resumable)

    def inject_rest_failure(self, route_pattern: str, status: int = 500, count: int = 1, *, code: int = 0) -> None:
        """The next ``count`` requests matching ``route_pattern`` get ``status`` (e.g. 500, 502; or 400 with
        ``code=50035``, Discord's refusal of a form body)."""
        self.faults.inject(Injection(route_pattern, status, count, code=code))

    def inject_rate_limit(
        self, route_pattern: str, retry_after: float = 0.1, count: int = 1, *, is_global: bool = False
    ) -> None:
        """The next ``count`` matching requests get Discord's 429 (JSON ``retry_after``, ``Via: 1.1 google``)."""
        self.faults.inject(Injection(route_pattern, 429, count, retry_after=retry_after, is_global=is_global))

    def set_rate_limit(self, route_pattern: str, limit: int, reset_after: float, bucket: str | None = None) -> None:
        """Send ``X-RateLimit-*`` headers for a fixed-window bucket; overrunning it gets a real 429."""
        self.faults.set_limit(route_pattern, limit, reset_after, bucket)
