"""The simulator's server and world: lifecycle, the bot's connection, guilds, roles, members, channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from typing import Self

import discord
from aiohttp import web

from .builders import (
    DEFAULT_ATTACHMENT_LIMIT,
)
from .faults import Faults
from .gateway import Gateway
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
from .rest import RestAPI
from .runner import patched_endpoints, run_client
from .state import SimState

log = logging.getLogger(__name__)

GuildRef = SimGuild | str | int
MemberRef = SimMember | SimUser | str | int
Perms = int | discord.Permissions


def _perm_value(value: Perms) -> int:
    return value.value if isinstance(value, discord.Permissions) else int(value)


class SimWorld:
    """The simulator's server and the world in it: start and stop the loopback REST + Gateway, run a client
    against it, and build guilds, roles, members and channels (announced to the bot live once it runs)."""

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
        round_trip: float = 0.0,
    ) -> None:
        """``check_spec``: validate every request body against Discord's OpenAPI spec (needs the dev extra).
        ``round_trip``: seconds each REST request spends on the network, as from a cloud region to Discord (half
        before the simulator handles it, so deadlines count from its arrival, half before its response arrives).
        ``strict_descriptions``: reject a command sync whose commands or options keep discord.py's placeholder
        description ``"…"`` (found either way in :attr:`placeholder_descriptions`)."""
        self.host, self._port = host, port
        self.check_spec = check_spec
        self.round_trip = round_trip
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
            round_trip=self.round_trip,
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

    async def __aenter__(self) -> Self:
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
        self, client: C, *, ready_timeout: float = 30.0, guild_ready_timeout: float = 0.02
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
