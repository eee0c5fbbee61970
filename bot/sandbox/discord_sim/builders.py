"""Building INTERACTION_CREATE payloads the way Discord's client would (discord-protocol.md §3)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from .commands import (
    ATTACHMENT,
    CHANNEL,
    MENTIONABLE,
    ROLE,
    USER,
    CommandUnavailable,
    CommandUsageError,
    available_to,
    build_options,
    split_path,
)
from .messages import SimAttachment, SimFile, SimMessage
from .model import JSON, SimChannel, SimGuild, SimMember, SimRole, SimUser
from .records import InteractionRecord, Reply
from .state import SimState

DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024


class Resolver:
    """Turns test values for entity options into ids and collects the ``resolved`` block."""

    def __init__(self, state: SimState, guild: SimGuild, member: SimMember, channel: SimChannel) -> None:
        self.state = state
        self.guild = guild
        self.member = member
        self.channel = channel
        self.resolved: dict[str, dict[str, JSON]] = {}

    def _put(self, section: str, key: int, value: JSON) -> str:
        self.resolved.setdefault(section, {})[str(key)] = value
        return str(key)

    def user(self, value: Any) -> str:
        if isinstance(value, SimMember):
            user = value.user
        elif isinstance(value, SimUser):
            user = value
        elif isinstance(value, int) and value in self.state.users:
            user = self.state.users[value]
        elif isinstance(value, str):
            user = self.guild.member(value).user
        else:
            raise CommandUsageError(f"cannot use {value!r} as a user")
        member = self.guild.members.get(user.id)
        if member is not None:
            perms = self.guild.permissions_for(member, self.channel)
            self._put("members", user.id, member.payload(with_user=False, permissions=perms))
        return self._put("users", user.id, user.payload())

    def role(self, value: Any) -> str:
        role = value if isinstance(value, SimRole) else self.guild.role(value)
        return self._put("roles", role.id, role.payload())

    def channel_(self, value: Any) -> str:
        channel = value if isinstance(value, SimChannel) else self.guild.channel(value)
        data = {
            "id": str(channel.id),
            "type": channel.type,
            "name": channel.name,
            "guild_id": str(self.guild.id),
            "parent_id": None,
            "permissions": str(self.guild.permissions_for(self.member, channel)),
        }
        return self._put("channels", channel.id, data)

    def attachment(self, value: Any) -> str:
        if isinstance(value, SimAttachment):
            attachment = value
        elif isinstance(value, SimFile):
            attachment = self.state.attach(value.filename, value.data, value.content_type)
        elif isinstance(value, tuple) and len(value) == 2:
            attachment = self.state.attach(str(value[0]), bytes(value[1]), "application/octet-stream")
        else:
            raise CommandUsageError(f"attachment options take a SimFile or (filename, bytes), got {value!r}")
        return self._put("attachments", attachment.id, attachment.payload())

    def __call__(self, kind: int, value: Any) -> str:
        if kind == USER:
            return self.user(value)
        if kind == ROLE:
            return self.role(value)
        if kind == CHANNEL:
            return self.channel_(value)
        if kind == ATTACHMENT:
            return self.attachment(value)
        if kind == MENTIONABLE:
            return self.role(value) if isinstance(value, SimRole) else self.user(value)
        raise CommandUsageError(f"unsupported option type {kind}")


def envelope(
    state: SimState,
    kind: int,
    *,
    name: str,
    guild: SimGuild,
    member: SimMember,
    channel: SimChannel,
    data: JSON,
    message: SimMessage | None = None,
    attachment_size_limit: int = DEFAULT_ATTACHMENT_LIMIT,
) -> InteractionRecord:
    """Create and register an interaction with every field discord.py reads (incl. ``attachment_size_limit``)."""
    interaction_id = state.ids.next() - (round(state.interaction_age * 1000) << 22)
    token = f"aW50ZXJhY3Rpb24{interaction_id}{secrets.token_urlsafe(24)}"
    perms = guild.permissions_for(member, channel)
    bot_member = guild.members.get(state.bot.id)
    app_perms = guild.permissions_for(bot_member, channel) if bot_member else 0
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(state.bot.id),
        "type": kind,
        "data": data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
        "channel_id": str(channel.id),
        "channel": {**channel.payload(), "permissions": str(perms)},
        "member": member.payload(permissions=perms),
        "token": token,
        "version": 1,
        "app_permissions": str(app_perms),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": attachment_size_limit,
    }
    if message is not None:
        payload["message"] = message.payload()
    record = InteractionRecord(
        id=interaction_id,
        token=token,
        kind=kind,
        name=name,
        guild_id=guild.id,
        channel_id=channel.id,
        user=member.user,
        payload=payload,
        component_message_id=message.id if message else None,
    )
    state.interactions[interaction_id] = record
    state.by_token[token] = record
    return record


def find_component(reply: Reply, key: str, kinds: set[int]) -> tuple[SimMessage, JSON]:
    """A component on the reply's messages by label, placeholder or custom_id."""
    candidates = [(m, c) for m, c in reply.iter_components() if c.get("type") in kinds]
    for message, component in candidates:
        if key in (component.get("custom_id"), component.get("label"), component.get("placeholder")):
            if component.get("disabled"):
                raise CommandUsageError(f"component {key!r} is disabled")
            return message, component
    described = [c.get("label") or c.get("placeholder") or c.get("custom_id") for _, c in candidates]
    raise CommandUsageError(f"no component {key!r} on {reply!r}; available: {described}")


def modal_components(modal: JSON, values: dict[str, Any]) -> list[JSON]:
    """The MODAL_SUBMIT ``components`` for the fields of a type-9 modal, keyed by custom_id or label."""
    remaining = dict(values)
    submitted: list[JSON] = []

    def take(item: JSON, label: str | None) -> JSON:
        custom_id = item.get("custom_id")
        for key in (custom_id, label, item.get("label")):
            if key is not None and key in remaining:
                value = remaining.pop(key)
                break
        else:
            if item.get("required", True) and item.get("type") == 4:
                raise CommandUsageError(f"modal field {label or item.get('label') or custom_id!r} is required")
            value = "" if item.get("type") == 4 else []
        answer: JSON = {"type": item["type"], "custom_id": custom_id}
        if item.get("type") == 4:
            answer["value"] = str(value)
        else:
            answer["values"] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return answer

    for top in modal.get("components") or []:
        if top.get("type") == 1:
            row = [take(child, None) for child in top.get("components") or []]
            submitted.append({"type": 1, "components": row})
        elif top.get("type") == 18 and isinstance(top.get("component"), dict):
            submitted.append({"type": 18, "component": take(top["component"], top.get("label"))})
    if remaining:
        raise CommandUsageError(f"modal {modal.get('title')!r} has no field(s) {sorted(remaining)}")
    return submitted


def member_of(guild: SimGuild, ref: SimMember | SimUser | str | int) -> SimMember:
    if isinstance(ref, SimMember):
        return ref
    if isinstance(ref, SimUser):
        return guild.members[ref.id]
    return guild.member(ref)


def channel_of(guild: SimGuild, ref: SimChannel | str | int | None) -> SimChannel:
    """A channel by object, name or id; ``None`` means the guild's first text channel."""
    if isinstance(ref, SimChannel):
        return ref
    if ref is not None:
        return guild.channel(ref)
    return next(c for c in guild.channels.values() if c.type == 0)


def find_command(state: SimState, guild: SimGuild, path: str) -> tuple[JSON, list[str]]:
    """The registered CHAT_INPUT command for ``path``: the guild's own first, then the global ones."""
    parts = split_path(path)
    for scope in (guild.id, None):
        for command in state.commands.get(scope, []):
            if command["name"] == parts[0] and command.get("type", 1) == 1:
                return command, parts
    known = sorted({c["name"] for s in (guild.id, None) for c in state.commands.get(s, [])})
    hint = "" if known else " (no commands registered: did the bot sync its CommandTree?)"
    raise CommandUsageError(f"no slash command /{parts[0]} in {guild.name!r}; registered: {known}{hint}")


def command_interaction(
    state: SimState,
    kind: int,
    *,
    guild: SimGuild,
    member: SimMember,
    channel: SimChannel,
    path: str,
    values: Mapping[str, Any],
    focused: str | None,
    attachment_size_limit: int,
) -> InteractionRecord:
    """An APPLICATION_COMMAND (or, with ``focused``, AUTOCOMPLETE) interaction built from the registered command."""
    command, parts = find_command(state, guild, path)
    if not available_to(command, guild.base_permissions(member), owner=guild.owner_id == member.user.id):
        raise CommandUnavailable(
            f"/{command['name']} is not available to {member.user.name!r}: it needs permissions"
            f" {command.get('default_member_permissions')} (default_member_permissions)"
        )
    resolver = Resolver(state, guild, member, channel)
    options = build_options(command, parts, values, resolver, focused=focused)
    data: JSON = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
    if resolver.resolved:
        data["resolved"] = resolver.resolved
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return envelope(
        state,
        kind,
        name=path,
        guild=guild,
        member=member,
        channel=channel,
        data=data,
        attachment_size_limit=attachment_size_limit,
    )


def select_data(component: JSON, chosen: list[Any], resolver: Resolver) -> JSON:
    """MESSAGE_COMPONENT data for a select; string selects take values or labels, entity selects sim objects."""
    data: JSON = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if component["type"] == 3:
        by_label = {o["label"]: o["value"] for o in component.get("options", [])}
        known = set(by_label.values())
        picked = [by_label.get(v, v) for v in chosen]
        if not set(picked) <= known:
            raise CommandUsageError(f"select {component['custom_id']!r} has no option(s) {sorted(set(picked) - known)}")
        data["values"] = picked
    else:
        option_type = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}[component["type"]]
        data["values"] = [resolver(option_type, v) for v in chosen]
        data["resolved"] = resolver.resolved
    return data
