"""The simulated world: users, guilds, roles, channels, members, messages, and their Discord JSON shapes.

Everything here is plain data. Ids are real, time-based snowflakes (``discord.utils.time_snowflake``) because
discord.py derives ``created_at``/``expires_at`` from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import discord

JSON = dict[str, Any]

EPHEMERAL = 1 << 6
LOADING = 1 << 7
ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value

DEFAULT_EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
    use_external_emojis=True,
).value

DEFAULT_BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_application_commands=True,
).value


class Snowflakes:
    """Unique, time-based snowflake ids (``discord.utils.time_snowflake`` plus a counter in the low bits)."""

    GUILD_LOW_BITS = 0x3FF000  # never reached by the counter, so guild ids cannot collide with other ids

    def __init__(self) -> None:
        self._last = 0
        self._guild_ms: int | None = None

    def next(self) -> int:
        now = discord.utils.time_snowflake(dt.datetime.now(dt.UTC))
        self._last = max(now, self._last + 1)
        return self._last

    def next_guild(self) -> int:
        """Guild ids take consecutive milliseconds, so the n-th guild (from 0) lands on shard ``n % shard_count``."""
        if self._guild_ms is None:  # start on a multiple of 2520 = lcm(1..10): guild n -> shard n for counts <= 10
            now_ms = discord.utils.time_snowflake(dt.datetime.now(dt.UTC)) >> 22
            self._guild_ms = now_ms - now_ms % 2520
        else:
            self._guild_ms += 1
        return (self._guild_ms << 22) | self.GUILD_LOW_BITS


def numbered(components: list[JSON]) -> list[JSON]:
    """Components as Discord stores them: every one gets a numeric ``id`` (1, 2, ... depth-first) if it has none."""
    taken = set()
    stack = list(components)
    while stack:
        item = stack.pop()
        if isinstance(item.get("id"), int):
            taken.add(item["id"])
        stack.extend(_children(item))
    counter = iter(n for n in range(1, 10_000) if n not in taken)

    def number(item: JSON) -> JSON:
        copy = {**item, "id": item["id"] if isinstance(item.get("id"), int) else next(counter)}
        if isinstance(item.get("components"), list):
            copy["components"] = [number(c) for c in item["components"]]
        for key in ("component", "accessory"):
            if isinstance(item.get(key), dict):
                copy[key] = number(item[key])
        return copy

    return [number(c) for c in components]


def _children(item: JSON) -> list[JSON]:
    found = list(item.get("components") or [])
    found += [item[k] for k in ("component", "accessory") if isinstance(item.get(k), dict)]
    return found


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(eq=False)
class SimUser:
    id: int
    name: str
    bot: bool = False
    global_name: str | None = None

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.global_name or self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
            "primary_guild": None,
        }


@dataclass(eq=False)
class SimRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    mentionable: bool = False
    color: int = 0

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": False,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass(eq=False)
class Overwrite:
    """A permission overwrite: ``kind`` 0 for a role, 1 for a member."""

    id: int
    kind: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {"id": str(self.id), "type": self.kind, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class SimChannel:
    id: int
    guild_id: int | None
    name: str
    type: int = 0
    position: int = 0
    topic: str | None = None
    overwrites: list[Overwrite] = field(default_factory=list)

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        return data


@dataclass(eq=False)
class SimMember:
    user: SimUser
    guild_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: dt.datetime = field(default_factory=utcnow)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> JSON:
        data: JSON = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "banner": None,
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class SimGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, SimRole] = field(default_factory=dict)
    channels: dict[int, SimChannel] = field(default_factory=dict)
    members: dict[int, SimMember] = field(default_factory=dict)

    @property
    def everyone(self) -> SimRole:
        return self.roles[self.id]

    def channel(self, name_or_id: str | int) -> SimChannel:
        for channel in self.channels.values():
            if name_or_id in (channel.id, channel.name):
                return channel
        raise KeyError(f"guild {self.name!r} has no channel {name_or_id!r}")

    def role(self, name_or_id: str | int) -> SimRole:
        for role in self.roles.values():
            if name_or_id in (role.id, role.name):
                return role
        raise KeyError(f"guild {self.name!r} has no role {name_or_id!r}")

    def member(self, name_or_id: str | int) -> SimMember:
        for member in self.members.values():
            if name_or_id in (member.id, member.user.name):
                return member
        raise KeyError(f"guild {self.name!r} has no member {name_or_id!r}")

    def base_permissions(self, member: SimMember) -> int:
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        value = self.everyone.permissions
        for role_id in member.roles:
            role = self.roles.get(role_id)
            if role is not None:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def permissions_for(self, member: SimMember, channel: SimChannel | None = None) -> int:
        """Discord's permission algorithm: base permissions, then @everyone, role and member overwrites."""
        value = self.base_permissions(member)
        if channel is None or value & ADMINISTRATOR:
            return value
        by_id = {o.id: o for o in channel.overwrites}
        everyone = by_id.get(self.id)
        if everyone is not None:
            value = (value & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for overwrite in channel.overwrites:
            if overwrite.kind == 0 and overwrite.id in member.roles:
                allow |= overwrite.allow
                deny |= overwrite.deny
        value = (value & ~deny) | allow
        own = by_id.get(member.id)
        if own is not None and own.kind == 1:
            value = (value & ~own.deny) | own.allow
        return value

    def payload(self, *, bot_id: int) -> JSON:
        del bot_id  # members already include the bot
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "region": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": None,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso(utcnow()),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "members": [m.payload() for m in self.members.values()],
            "channels": [c.payload() for c in self.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
