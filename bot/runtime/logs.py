"""Logging for the whole process: readable text in development, one JSON object per line in production.

Every record passes a redaction filter first, so a Discord bot token, a Last.fm api_key/api_sig/sk parameter or the
credentials in a MongoDB URI never reach the output, whether they are in the message, its arguments, the exception
text or an extra field.

The JSON lines are what Google Cloud Logging reads from a container's output: `severity` (its only level field),
`message`, `time` (RFC 3339, UTC) and `logger`, written by python-json-logger. Inside an interaction, every record
also carries the interaction's `interaction_id`, `command`, `guild_id`, `user_id` and `shard_id`, taken from a
context variable the command tree sets once per interaction (`bind_interaction`), not passed at each call:

    bind_interaction(interaction_id=1, command="playlist add", guild_id=2, user_id=3, shard_id=0)
    log.info("added")  # {"severity": "INFO", ..., "command": "playlist add", "guild_id": 2, ...}
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Literal, TextIO

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

LogFormat = Literal["text", "json"]

REDACTED = "***"

# (pattern, replacement): a Discord bot token is base64(user id) "." base64(timestamp) "." HMAC; Last.fm's secret
# query parameters (and the same keys in a dict or JSON); the user:password part of a MongoDB URI (up to the last
# "@" before the host, in case a password was not percent-encoded).
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\w.-])[\w-]{20,30}\.[\w-]{6,7}\.[\w-]{27,45}(?![\w-])"), REDACTED),
    (re.compile(r"(?i)(?<![\w-])((?:api_key|api_sig|sk)=)[^&\s'\"#]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(?i)(['\"](?:api_key|api_sig|sk)['\"]\s*:\s*['\"])[^'\"]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(?i)(mongodb(?:\+srv)?://)[^/\s]+@"), rf"\g<1>{REDACTED}@"),
)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

# Libraries that are chatty at DEBUG: the minimum level each is allowed to log at.
_NOISY: dict[str, int] = {"discord.gateway": logging.INFO, "aiohttp.access": logging.WARNING}


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record in place so no formatter or handler after it sees a secret.

    The message is formatted with its args and the result redacted (args may be any object whose str() holds a
    secret); the exception and stack text are rendered and redacted once, and string extras are redacted too.
    """

    def __init__(self) -> None:
        super().__init__()
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let logging report it as usual
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS and not k.startswith("_")}


# The interaction being handled by the current task (each task has its own copy of the context).
_interaction: ContextVar[Mapping[str, object] | None] = ContextVar("sharify_interaction", default=None)

INTERACTION_FIELDS = ("interaction_id", "command", "guild_id", "user_id", "shard_id")


def bind_interaction(**fields: object) -> None:
    """Attach these fields to every record logged from now on in this task (and the tasks it starts)."""
    _interaction.set({k: v for k, v in fields.items() if k in INTERACTION_FIELDS})


def current_interaction() -> Mapping[str, object] | None:
    return _interaction.get()


class InteractionContextFilter(logging.Filter):
    """Adds the current interaction's fields to a record (an `extra=` field of the same name wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _interaction.get()
        if fields:
            for key, value in fields.items():
                if not hasattr(record, key):
                    setattr(record, key, value)
        return True


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line for Cloud Logging: severity, message, time, logger, the extra fields, and the
    exception or stack text."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "severity", "name": "logger", "exc_info": "exception", "stack_info": "stack"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    # python-json-logger renders the exception itself (not the filter's redacted exc_text): redact it here too.
    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        return redact(text if isinstance(text, str) else "\n".join(text))

    def formatStack(self, stack_info: str) -> str:
        text = super().formatStack(stack_info)
        return redact(text if isinstance(text, str) else "\n".join(text))


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [key=value ...]` for a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = _extras(record)
        if extras:
            line += " [" + " ".join(f"{k}={v}" for k, v in extras.items()) + "]"
        return line


class _SharifyHandler(logging.StreamHandler[TextIO]):
    """Marks the handler configure_logging installed, so calling it again replaces it."""


def configure_logging(level: str | int = "INFO", fmt: LogFormat = "text", *, stream: TextIO | None = None) -> None:
    """Send every log record to `stream` (stderr) in `fmt`, at `level` and above, redacted."""
    handler = _SharifyHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(InteractionContextFilter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _SharifyHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, minimum in _NOISY.items():
        logging.getLogger(name).setLevel(max(minimum, root.level))
    logging.captureWarnings(True)
