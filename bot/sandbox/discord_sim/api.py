"""The test-facing :class:`DiscordSimulator`: build a world (:mod:`.world`), run a bot against it, act as users,
inspect."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from .builders import (
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
from .faults import Injection
from .gateway import INVALID_SESSION, RECONNECT, GatewayEvent
from .messages import SimMessage
from .model import JSON, SimChannel, SimMember
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
from .world import GuildRef, MemberRef, SimWorld


class DiscordSimulator(SimWorld):
    """A local Discord (REST + Gateway on one loopback port). See the package docstring for the tour."""

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
