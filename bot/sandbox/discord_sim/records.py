"""What the simulator remembers about each interaction and request, and the :class:`Reply` a test awaits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .messages import SimMessage
from .model import JSON, SimUser

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5


class NoResponseError(AssertionError):
    """The bot did not (finish) answering an interaction in time."""


@dataclass
class RequestRecord:
    """One HTTP request the bot made, as received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    spec: Any = None
    """Discord's OpenAPI check of the body: ``"valid"``, Discord's nested ``errors``, or None (not checked)."""
    response: Any = None
    """The JSON body the simulator answered with (None for 204 and non-JSON replies)."""

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Violation:
    """A 4xx the simulator returned because the bot broke one of Discord's rules."""

    method: str
    path: str
    status: int
    code: int
    message: str
    errors: JSON | None
    body: Any
    kind: str = "rule"
    """``"spec"`` (Discord's OpenAPI schema), ``"rule"`` (a limit the spec can't express) or ``"description"``."""

    def __str__(self) -> str:
        return (
            f"{self.status}/{self.code} {self.message} on {self.method} {self.path} ({self.kind}): {self.errors or ''}"
        )


@dataclass
class MissedDeadline:
    interaction_id: int
    kind: int
    name: str
    late_by_ms: float


@dataclass
class InteractionRecord:
    """Book-keeping for one interaction from dispatch to its last followup."""

    id: int
    token: str
    kind: int
    name: str
    guild_id: int | None
    channel_id: int
    user: SimUser
    payload: JSON
    component_message_id: int | None = None
    created_at: float = field(default_factory=time.monotonic)
    dispatched_at: float | None = None
    callback_at: float | None = None
    callback_type: int | None = None
    acknowledged: bool = False
    expired: bool = False
    attempted: bool = False
    awaiting_followup: bool = False
    original_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    choices: list[JSON] | None = None
    modal: JSON | None = None
    bodies: list[Any] = field(default_factory=list)
    errors: list[Violation] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def touch(self) -> None:
        """Wake every waiter: something about this interaction changed."""
        self._changed.set()
        self._changed = asyncio.Event()

    def add_message(self, message_id: int) -> None:
        if message_id not in self.message_ids:
            self.message_ids.append(message_id)

    async def _changed_within(self, seconds: float) -> bool:
        if seconds <= 0:
            return False
        try:
            await asyncio.wait_for(self._changed.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def settle(self, *, quiet: float, limit: float) -> None:
        """Wait for the first callback, then for the followup a defer promised, then for ``quiet`` s of silence."""
        loop = asyncio.get_running_loop()
        end = loop.time() + limit
        while not self.attempted:
            if not await self._changed_within(end - loop.time()):
                raise NoResponseError(f"the bot did not respond to {self.name!r} within {limit:.1f}s")
        while self.awaiting_followup and not self.expired:
            if not await self._changed_within(end - loop.time()):
                raise NoResponseError(f"the bot deferred {self.name!r} but sent nothing within {limit:.1f}s")
        while await self._changed_within(min(quiet, end - loop.time())):
            pass


class Reply:
    """The bot's answer to one interaction, read live from the simulator's message store."""

    def __init__(self, record: InteractionRecord, lookup: Callable[[int], SimMessage | None]) -> None:
        self.record = record
        self._lookup = lookup

    def __repr__(self) -> str:
        return f"<Reply {self.record.name!r} type={self.callback_type} content={self.content!r}>"

    @property
    def messages(self) -> list[SimMessage]:
        """Every live message this interaction produced or edited, oldest first."""
        found = (self._lookup(i) for i in self.record.message_ids)
        return [m for m in found if m is not None and not m.deleted]

    @property
    def message(self) -> SimMessage | None:
        """The message a user looks at: the original response, else the latest followup."""
        if self.record.original_id is not None:
            original = self._lookup(self.record.original_id)
            if original is not None and not original.deleted:
                return original
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def followups(self) -> list[SimMessage]:
        return [m for m in self.messages if m.id != self.record.original_id]

    @property
    def content(self) -> str:
        message = self.message
        return message.content if message else ""

    @property
    def embeds(self) -> list[JSON]:
        message = self.message
        return message.embeds if message else []

    @property
    def components(self) -> list[JSON]:
        message = self.message
        return message.components if message else []

    @property
    def ephemeral(self) -> bool:
        message = self.message
        return bool(message and message.ephemeral)

    @property
    def files(self) -> list[tuple[str, bytes]]:
        message = self.message
        return message.files if message else []

    @property
    def choices(self) -> list[JSON]:
        """Autocomplete choices (``[{"name": ..., "value": ...}]``); empty if the bot answered otherwise."""
        return self.record.choices or []

    @property
    def modal(self) -> JSON | None:
        """The modal the bot opened (type-9 callback data), if any."""
        return self.record.modal

    @property
    def callback_type(self) -> int | None:
        return self.record.callback_type

    @property
    def deferred(self) -> bool:
        return self.record.callback_type in (5, 6)

    @property
    def errors(self) -> list[Violation]:
        """Error replies the simulator gave the bot while it answered this interaction."""
        return self.record.errors

    @property
    def raw(self) -> list[Any]:
        """Raw bodies of every callback/webhook request for this interaction, in order."""
        return self.record.bodies

    @property
    def latency_ms(self) -> float | None:
        """Milliseconds from sending INTERACTION_CREATE to the first callback."""
        if self.record.dispatched_at is None or self.record.callback_at is None:
            return None
        return (self.record.callback_at - self.record.dispatched_at) * 1000

    def text(self) -> str:
        """Content plus every embed's visible text, handy for ``in`` assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [str(embed.get(k) or "") for k in ("title", "description")]
            parts += [f"{f.get('name')} {f.get('value')}" for f in embed.get("fields") or []]
            parts.append(str((embed.get("footer") or {}).get("text") or ""))
        return "\n".join(p for p in parts if p)

    def iter_components(self) -> Iterator[tuple[SimMessage, JSON]]:
        """Every interactive component (buttons, selects) on this reply's messages, newest message first."""
        ordered = [self.message] if self.message else []
        ordered += [m for m in reversed(self.messages) if m not in ordered]
        for message in ordered:
            if message is None:
                continue
            stack = list(message.components)
            while stack:
                item = stack.pop(0)
                if "custom_id" in item or item.get("type") == 2:
                    yield message, item
                stack.extend(item.get("components") or [])
                for key in ("component", "accessory"):
                    if isinstance(item.get(key), dict):
                        stack.append(item[key])

    def buttons(self) -> list[str]:
        """Labels (or custom ids) of the buttons on this reply."""
        return [c.get("label") or c.get("custom_id", "") for _, c in self.iter_components() if c.get("type") == 2]
