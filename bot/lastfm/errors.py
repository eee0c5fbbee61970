"""Last.fm errors, as subclasses of the domain errors so every one carries a friendly `user_message`.

Codes and their retry class follow the recorded responses (FACTS.md section 3): 8, 11, 16 and 29 are transient;
everything else is permanent. Transport failures (5xx, 429, timeouts, refused connections, HTML pages from the
edge) are transient too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from bot.domain.errors import Forbidden, InvalidInput, NotFound, SharifyError, UpstreamUnavailable
from bot.domain.text import quoted

TRANSIENT_CODES = frozenset({8, 11, 16, 29})
RATE_LIMIT_CODE = 29
CONFIG_CODES = frozenset({10, 26})
AUTH_CODES = frozenset({4, 9, 14, 15})

_NOT_FOUND = re.compile(r"not found|could not be found|no user with that name|no such", re.IGNORECASE)


class LastfmError(SharifyError):
    """Base of every Last.fm failure. `code` is the API error code (None for transport failures)."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        api_message: str = "",
        *,
        code: int | None = None,
        method: str | None = None,
        user_message: str | None = None,
    ) -> None:
        self.code = code
        self.api_message = api_message
        self.method = method
        super().__init__(user_message)

    def __str__(self) -> str:
        code = f" {self.code}" if self.code is not None else ""
        where = f" in {self.method}" if self.method else ""
        return f"Last.fm error{code}{where}: {self.api_message or self.user_message}"


class LastfmUnavailable(LastfmError, UpstreamUnavailable):
    """Transient: Last.fm (or the network to it) failed; retried, then raised once the time budget is spent."""

    transient = True
    default_message = "Last.fm is not answering right now. Please try again in a little while."


class LastfmRateLimited(LastfmUnavailable):
    """Error 29 or HTTP 429: retried with a longer backoff and a global pause."""

    default_message = "Last.fm is asking Sharify to slow down. Please try again in a minute."


class LastfmNotFound(LastfmError, NotFound):
    """Error 6 meaning "not found": the message names what was not found."""

    default_message = "Last.fm doesn't know that."

    def __init__(self, api_message: str = "", *, subject: str, code: int | None = 6, method: str | None = None) -> None:
        self.subject = subject
        super().__init__(api_message, code=code, method=method, user_message=f"Last.fm couldn't find {subject}.")


class LastfmInvalidRequest(LastfmError, InvalidInput):
    """Error 6 meaning a parameter is wrong (page out of bounds, a missing parameter)."""

    default_message = "Last.fm didn't accept that request; check the names and numbers you gave."


class LastfmPrivateProfile(LastfmError, Forbidden):
    """Error 17: the profile is private or hides its recent listening."""

    default_message = "That Last.fm profile is private (or hides its recent listening), so Sharify can't read it."


class LastfmAuthError(LastfmError, Forbidden):
    """Errors 4, 9, 14, 15: a session or token is no longer valid."""

    default_message = "Your Last.fm authorisation is no longer valid. Please link your account again."


class LastfmConfigError(LastfmError, UpstreamUnavailable):
    """Errors 10 and 26: the API key is invalid or suspended. Logged loudly; an operator must act."""

    default_message = "Last.fm lookups are not configured correctly on this bot. The bot's operator has been told."


class LastfmProtocolError(LastfmError, UpstreamUnavailable):
    """A request Last.fm refused as malformed (2, 3, 5, 7, 13, unknown codes) or a response we cannot read."""

    default_message = "Last.fm could not handle that request."


def describe_subject(method: str | None, params: Mapping[str, str] | None, api_message: str = "") -> str:
    """Name what a "not found" error is about, from the request when we have it, else from the message."""
    p = dict(params or {})
    family = (method or "").split(".", 1)[0]
    msg = api_message.lower()
    if family == "user" or "user" in msg:
        name = p.get("user") or p.get("username")
        return f"the user {quoted(name)}" if name else "that user"
    if family == "album" or "album" in msg:
        if p.get("album"):
            by = f" by {quoted(p['artist'])}" if p.get("artist") else ""
            return f"the album {quoted(p['album'])}{by}"
        return "that album"
    if family == "track" or "track" in msg:
        if p.get("track"):
            by = f" by {quoted(p['artist'])}" if p.get("artist") else ""
            return f"the track {quoted(p['track'])}{by}"
        return "that track"
    if family == "artist" or "artist" in msg:
        return f"the artist {quoted(p['artist'])}" if p.get("artist") else "that artist"
    if family == "tag" and p.get("tag"):
        return f"the tag {quoted(p['tag'])}"
    return "what you asked for"


def error_for_code(
    code: int, api_message: str, *, method: str | None = None, params: Mapping[str, str] | None = None
) -> LastfmError:
    """The typed error for an API error body `{"error": code, "message": api_message}`."""
    if code == RATE_LIMIT_CODE:
        return LastfmRateLimited(api_message, code=code, method=method)
    if code in TRANSIENT_CODES:
        return LastfmUnavailable(api_message, code=code, method=method)
    if code == 6:
        if _NOT_FOUND.search(api_message):
            return LastfmNotFound(api_message, subject=describe_subject(method, params, api_message), method=method)
        return LastfmInvalidRequest(api_message, code=code, method=method)
    if code == 17:
        return LastfmPrivateProfile(api_message, code=code, method=method)
    if code in CONFIG_CODES:
        return LastfmConfigError(api_message, code=code, method=method)
    if code in AUTH_CODES:
        return LastfmAuthError(api_message, code=code, method=method)
    return LastfmProtocolError(api_message, code=code, method=method)
