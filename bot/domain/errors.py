"""The Discord-free error hierarchy. Each error carries a short, friendly message meant for the user."""

from __future__ import annotations


class SharifyError(Exception):
    """Base of every error a user may see. `user_message` is shown as is (ephemeral); never a traceback."""

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
