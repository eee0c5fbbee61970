"""The Discord-free error hierarchy. Each error carries a short, friendly message meant for the user.

A message may quote what the user (or Last.fm) supplied: wrap each such value with `bot.domain.text.quoted`, which
marks it with QUOTE_OPEN ... QUOTE_CLOSE (two private-use characters). The renderer in the Discord layer then shows
each marked value in quotes, made inert and clipped, and passes the bot's own wording through unchanged, so a value
is escaped exactly once, at the edge."""

from __future__ import annotations

QUOTE_OPEN = "\ue000"
QUOTE_CLOSE = "\ue001"


class SharifyError(Exception):
    """Base of every error a user may see. `user_message` is shown as is (ephemeral), its
    quoted values (see the module notes) made inert; never a traceback."""

    default_message = "Something went wrong."

    def __init__(self, user_message: str | None = None) -> None:
        self.user_message = user_message or self.default_message
        super().__init__(self.user_message)


class InvalidInput(SharifyError):
    default_message = "That input is not valid."


class NotFound(SharifyError):
    default_message = "Not found."


class Forbidden(SharifyError):
    default_message = "You don't have permission to do that."


class Conflict(SharifyError):
    default_message = "That conflicts with something that already exists."


class LimitExceeded(SharifyError):
    default_message = "A limit was reached."


class UpstreamUnavailable(SharifyError):
    default_message = "A service Sharify depends on is not answering right now. Please try again shortly."
