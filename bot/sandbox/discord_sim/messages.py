"""Messages the bot sent and files it uploaded, as the simulator keeps them, with their Discord JSON shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .model import EPHEMERAL, JSON, LOADING, SimUser, iso, utcnow
from .validation import allowed_parse


@dataclass(eq=False)
class SimAttachment:
    """A file the simulator serves itself at ``url`` (uploaded by the bot, or given to a command by a test)."""

    id: int
    filename: str
    data: bytes
    content_type: str
    url: str
    description: str | None = None

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": self.url,
            "proxy_url": self.url,
            "content_type": self.content_type,
        }
        if self.description is not None:  # Discord omits it when unset (MessageAttachmentResponse: a string)
            data["description"] = self.description
        return data


@dataclass(frozen=True)
class SimFile:
    """A file a test hands to a command's attachment option."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(eq=False)
class SimMessage:
    """A message as the simulator stores it; ``payload()`` is what discord.py receives."""

    id: int
    channel_id: int
    guild_id: int | None
    author: SimUser
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[SimAttachment] = field(default_factory=list)
    flags: int = 0
    tts: bool = False
    created_at: dt.datetime = field(default_factory=utcnow)
    edited_at: dt.datetime | None = None
    webhook_id: int | None = None
    interaction_id: int | None = None
    allowed_mentions: JSON | None = None
    deleted: bool = False
    history: list[JSON] = field(default_factory=list)
    nonce: str | None = None  # as sent with POST /channels/{id}/messages; Discord echoes it in that response

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        return [(a.filename, a.data) for a in self.attachments]

    @property
    def allowed_mentions_sent(self) -> bool:
        return self.allowed_mentions is not None

    @property
    def mentions_allowed(self) -> set[str]:
        """What Discord would ping: ``users``/``roles``/``everyone`` parsing plus ``listed_users``/``listed_roles``."""
        return allowed_parse(self.allowed_mentions, interaction=self.interaction_id is not None)

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "type": 20 if self.interaction_id else 0,
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(self.created_at),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": self.tts,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [a.payload() for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "flags": self.flags,
        }
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.interaction_id is not None:
            data["application_id"] = str(self.author.id)
        return data
