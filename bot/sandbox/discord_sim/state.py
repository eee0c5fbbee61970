"""The simulator's server-side state and Discord's rules for messages, interaction responses and webhooks.

HTTP-free: :mod:`.rest` parses requests and calls these methods; they return JSON or raise
:class:`~.validation.DiscordAPIError`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from . import validation
from .commands import placeholder_descriptions, validate_commands
from .messages import SimAttachment, SimMessage
from .model import (
    EPHEMERAL,
    JSON,
    LOADING,
    SimChannel,
    SimGuild,
    SimUser,
    Snowflakes,
    numbered,
    utcnow,
)
from .records import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    MissedDeadline,
    RequestRecord,
    Violation,
)
from .validation import DiscordAPIError

log = logging.getLogger(__name__)

UploadedFile = tuple[str, bytes, str]
"""(filename, data, content type) of one ``files[n]`` multipart part."""

SEND_MESSAGES = 1 << 11
VIEW_CHANNEL = 1 << 10
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
NONCE_WINDOW_S = 300.0  # Discord checks an enforced nonce against the author's messages of "the past few minutes"


ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


def unknown_interaction() -> DiscordAPIError:
    return DiscordAPIError(404, 10062, "Unknown interaction")


def unknown_webhook() -> DiscordAPIError:
    return DiscordAPIError(404, 10015, "Unknown Webhook")


def unknown_message() -> DiscordAPIError:
    return DiscordAPIError(404, 10008, "Unknown Message")


@dataclass
class SimState:
    """Everything the simulated Discord knows."""

    bot: SimUser
    token: str
    attachment_url: str
    deadline: float = 3.0
    # Seconds by which new interactions are older than now (their id is their creation time): past `deadline`, every
    # interaction reaches the bot already too late to answer, as when Discord delivers a backlog.
    interaction_age: float = 0.0
    ids: Snowflakes = field(default_factory=Snowflakes)
    users: dict[int, SimUser] = field(default_factory=dict)
    guilds: dict[int, SimGuild] = field(default_factory=dict)
    messages: dict[int, SimMessage] = field(default_factory=dict)
    attachments: dict[int, SimAttachment] = field(default_factory=dict)
    interactions: dict[int, InteractionRecord] = field(default_factory=dict)
    by_token: dict[str, InteractionRecord] = field(default_factory=dict)
    commands: dict[int | None, list[JSON]] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    missed_deadlines: list[MissedDeadline] = field(default_factory=list)
    strict_descriptions: bool = False
    nonces: dict[tuple[int, str], tuple[int, float]] = field(default_factory=dict)  # (author, nonce) -> (message, at)
    placeholder_descriptions: list[str] = field(default_factory=list)

    # -- lookups -------------------------------------------------------------------------------------------------

    def channel(self, channel_id: int) -> SimChannel:
        for guild in self.guilds.values():
            if channel_id in guild.channels:
                return guild.channels[channel_id]
        raise DiscordAPIError(404, 10003, "Unknown Channel")

    def guild_of(self, channel: SimChannel) -> SimGuild | None:
        return self.guilds.get(channel.guild_id) if channel.guild_id is not None else None

    def attach(self, filename: str, data: bytes, content_type: str, description: str | None = None) -> SimAttachment:
        attachment_id = self.ids.next()
        url = f"{self.attachment_url}/{attachment_id}/{filename}"
        attachment = SimAttachment(attachment_id, filename, data, content_type, url, description)
        self.attachments[attachment_id] = attachment
        return attachment

    # -- messages ------------------------------------------------------------------------------------------------

    def _attachments_from(
        self, payload: JSON, files: list[UploadedFile], existing: list[SimAttachment]
    ) -> list[SimAttachment]:
        listed = payload.get("attachments")
        if listed is None:
            return existing + [self.attach(n, d, t) for n, d, t in files]
        keep: list[SimAttachment] = []
        by_id = {str(a.id): a for a in existing}
        for entry in listed:
            ident = str(entry.get("id"))
            if ident in by_id:
                keep.append(by_id[ident])
            elif ident.isdigit() and int(ident) < len(files):
                name, data, kind = files[int(ident)]
                keep.append(self.attach(entry.get("filename") or name, data, kind, entry.get("description")))
        return keep

    def create_message(
        self,
        channel_id: int,
        guild_id: int | None,
        payload: JSON,
        files: list[UploadedFile],
        *,
        base: tuple[str | int, ...] = (),
        interaction: InteractionRecord | None = None,
        flags: int | None = None,
        require_content: bool = True,
    ) -> SimMessage:
        validation.check_message({**payload, "_files": files}, base=base, require_content=require_content)
        message = SimMessage(
            id=self.ids.next(),
            channel_id=channel_id,
            guild_id=guild_id,
            author=self.bot,
            content=str(payload.get("content") or ""),
            embeds=list(payload.get("embeds") or []),
            components=numbered(list(payload.get("components") or [])),
            flags=int(payload.get("flags") or 0) if flags is None else flags,
            tts=bool(payload.get("tts")),
            webhook_id=self.bot.id if interaction else None,
            interaction_id=interaction.id if interaction else None,
            allowed_mentions=payload.get("allowed_mentions"),
            history=[payload],
        )
        message.attachments = self._attachments_from(payload, files, [])
        self.messages[message.id] = message
        if interaction is not None:
            interaction.add_message(message.id)
        return message

    def edit_message(
        self, message: SimMessage, payload: JSON, files: list[UploadedFile], *, base: tuple[str | int, ...] = ()
    ) -> SimMessage:
        if message.deleted:
            raise unknown_message()
        merged: JSON = {
            "content": message.content,
            "embeds": message.embeds,
            "components": message.components,
            "flags": message.flags,
        }
        merged.update({k: v for k, v in payload.items() if k in merged})
        validation.check_message({**merged, "_files": files or payload.get("attachments")}, base=base)
        message.content = str(merged.get("content") or "")
        message.embeds = list(merged.get("embeds") or [])
        message.components = numbered(list(merged.get("components") or []))
        if "flags" in payload:
            keep = message.flags & EPHEMERAL
            message.flags = (int(payload.get("flags") or 0) & ~LOADING) | keep
        message.flags &= ~LOADING
        if "allowed_mentions" in payload:
            message.allowed_mentions = payload["allowed_mentions"]
        message.attachments = self._attachments_from(payload, files, message.attachments)
        message.edited_at = utcnow()
        message.history.append(payload)
        return message

    def channel_send(self, channel_id: int, payload: JSON, files: list[UploadedFile]) -> SimMessage:
        channel = self.channel(channel_id)
        self._require(channel, VIEW_CHANNEL | SEND_MESSAGES | (ATTACH_FILES if files else 0))
        nonce = payload.get("nonce")
        key = (self.bot.id, str(nonce))
        if nonce is not None and payload.get("enforce_nonce"):
            # Discord: the same author and nonce within the past few minutes gets the message made the first time.
            earlier = self.nonces.get(key)
            if earlier is not None and time.monotonic() - earlier[1] < NONCE_WINDOW_S:
                message = self.messages.get(earlier[0])
                if message is not None and not message.deleted:
                    return message
        message = self.create_message(channel_id, channel.guild_id, payload, files)
        if nonce is not None:
            message.nonce = str(nonce)
            if payload.get("enforce_nonce"):
                self.nonces[key] = (message.id, time.monotonic())
        return message

    def channel_history(
        self, channel_id: int, *, limit: int = 50, before: int | None = None, after: int | None = None
    ) -> list[SimMessage]:
        """GET /channels/{id}/messages: newest first (oldest first from `after`, as Discord pages it)."""
        channel = self.channel(channel_id)
        self._require(channel, VIEW_CHANNEL | READ_MESSAGE_HISTORY, code=50001, message="Missing Access")
        found = [
            m
            for m in self.messages.values()
            if m.channel_id == channel_id
            and not m.deleted
            and not m.ephemeral
            and (before is None or m.id < before)
            and (after is None or m.id > after)
        ]
        found.sort(key=lambda m: m.id, reverse=after is None)
        return found[: max(1, min(limit, 100))]

    def _require(
        self, channel: SimChannel, needed: int, *, code: int = 50013, message: str = "Missing Permissions"
    ) -> None:
        guild = self.guild_of(channel)
        if guild is not None:
            member = guild.members.get(self.bot.id)
            perms = guild.permissions_for(member, channel) if member else 0
            if perms & needed != needed:
                raise DiscordAPIError(403, code, message)

    def channel_message(self, channel_id: int, message_id: int) -> SimMessage:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id or message.deleted:
            raise unknown_message()
        return message

    # -- commands ------------------------------------------------------------------------------------------------

    def sync_commands(self, guild_id: int | None, definitions: list[JSON]) -> list[JSON]:
        validate_commands(definitions)
        found, errors = placeholder_descriptions(definitions)
        if found and self.strict_descriptions:
            raise DiscordAPIError(400, 50035, "Invalid Form Body", errors, kind="description")
        self.placeholder_descriptions.extend(f for f in found if f not in self.placeholder_descriptions)
        previous = {(c.get("type", 1), c["name"]): c["id"] for c in self.commands.get(guild_id, [])}
        stored: list[JSON] = []
        for definition in definitions:
            kind = int(definition.get("type") or 1)
            command = {
                **definition,
                "type": kind,
                "id": previous.get((kind, definition["name"])) or str(self.ids.next()),
                "application_id": str(self.bot.id),
                "version": str(self.ids.next()),
                "description": definition.get("description", ""),
                # Discord fills in the default (guild install) when a sync sends null (ApplicationCommandResponse)
                "integration_types": definition.get("integration_types") or [0],
            }
            if guild_id is not None:
                command["guild_id"] = str(guild_id)
            stored.append(command)
        self.commands[guild_id] = stored
        return stored

    # -- interactions --------------------------------------------------------------------------------------------

    def record_for(self, interaction_id: int, token: str) -> InteractionRecord:
        record = self.interactions.get(interaction_id)
        if record is None or record.token != token:
            raise unknown_interaction()
        return record

    def callback(self, record: InteractionRecord, body: JSON, files: list[UploadedFile]) -> JSON:
        """Handle ``POST /interactions/{id}/{token}/callback`` and build the callback-response object."""
        record.attempted = True
        record.bodies.append(body)
        now = time.monotonic()
        if record.callback_at is None:
            record.callback_at = now
        if record.acknowledged:
            raise DiscordAPIError(400, 40060, "Interaction has already been acknowledged.")
        self._check_deadline(record, now)
        kind = int(body.get("type", 0))
        if kind not in ALLOWED_CALLBACKS[record.kind]:
            errors = {"type": {"_errors": [{"code": "INTERACTION_CALLBACK_TYPE_INVALID", "message": str(kind)}]}}
            raise DiscordAPIError(400, 50035, "Invalid Form Body", errors)
        resource = self._apply_callback(record, kind, body.get("data") or {}, files)
        record.acknowledged = True
        record.callback_type = kind
        response: JSON = {"interaction": {"id": str(record.id), "type": record.kind}}
        if record.original_id is not None and kind in (4, 5, 7):
            original = self.messages[record.original_id]
            response["interaction"].update(
                response_message_id=str(original.id),
                response_message_loading=kind == 5,
                response_message_ephemeral=original.ephemeral,
            )
        if kind in (4, 7):  # the spec's callback resources are messages (4, 7) and activities (12) only
            response["resource"] = resource
        return response

    def _check_deadline(self, record: InteractionRecord, now: float) -> None:
        sent = record.dispatched_at if record.dispatched_at is not None else record.created_at
        if record.expired or now - sent > self.deadline:
            if not record.expired:
                record.expired = True
                late = (now - sent - self.deadline) * 1000
                self.missed_deadlines.append(MissedDeadline(record.id, record.kind, record.name, late))
            raise unknown_interaction()

    def _apply_callback(self, record: InteractionRecord, kind: int, data: JSON, files: list[UploadedFile]) -> JSON:
        resource: JSON = {"type": kind}
        if kind == 4:
            message = self.create_message(
                record.channel_id, record.guild_id, data, files, base=("data",), interaction=record
            )
            record.original_id = message.id
            resource["message"] = message.payload()
        elif kind == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self.create_message(
                record.channel_id,
                record.guild_id,
                {"content": "", "flags": flags},
                [],
                interaction=record,
                flags=flags,
                require_content=False,
            )
            record.original_id = message.id
            record.awaiting_followup = True
            resource["message"] = message.payload()
        elif kind in (6, 7):
            target = self.messages.get(record.component_message_id or 0)
            if target is None:
                raise DiscordAPIError(400, 50035, "Invalid Form Body", {"type": {"_errors": []}})
            record.original_id = target.id
            if kind == 7:
                self.edit_message(target, data, files, base=("data",))
                record.add_message(target.id)
                resource["message"] = target.payload()
        elif kind == 8:
            choices = list(data.get("choices") or [])
            validation.check_choices(choices)
            record.choices = choices
        elif kind == 9:
            validation.check_modal(data)
            record.modal = data
        return resource

    def webhook_record(self, application_id: int, token: str) -> InteractionRecord:
        record = self.by_token.get(token)
        if record is None or application_id != self.bot.id or not record.acknowledged:
            raise unknown_webhook()
        return record

    def original(self, record: InteractionRecord) -> SimMessage:
        message = self.messages.get(record.original_id or 0)
        if message is None or message.deleted:
            raise unknown_message()
        return message

    def edit_original(self, record: InteractionRecord, payload: JSON, files: list[UploadedFile]) -> SimMessage:
        message = self.edit_message(self.original(record), payload, files)
        record.add_message(message.id)
        record.awaiting_followup = False
        return message

    def followup(self, record: InteractionRecord, payload: JSON, files: list[UploadedFile]) -> SimMessage:
        """A followup; the first one after a type-5 defer replaces the loading message (Discord's old rule), unless
        the bot deleted that message: then, as on Discord, the followup is a new message."""
        original = self.messages.get(record.original_id or 0)
        if record.awaiting_followup and original is not None and original.loading and not original.deleted:
            message = self.edit_message(original, payload, files)
        else:
            message = self.create_message(record.channel_id, record.guild_id, payload, files, interaction=record)
        record.awaiting_followup = False
        record.add_message(message.id)
        return message

    def webhook_message(self, record: InteractionRecord, message_id: int) -> SimMessage:
        message = self.messages.get(message_id)
        if message is None or message.deleted:
            raise unknown_message()
        if message.interaction_id != record.id and message.id != record.component_message_id:
            raise unknown_message()
        return message
