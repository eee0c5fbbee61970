"""Injected failures: API error bodies, bare HTTP statuses, HTML pages from the edge, hangs and slow answers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from bot.sandbox.lastfm_standin.fixtures import status_for_error

FaultKind = Literal["api", "http", "html", "hang", "slow"]

MESSAGES = {
    2: "Invalid service - This service does not exist",
    3: "Invalid Method - No method with that name in this package",
    4: "Authentication Failed - You do not have permissions to access the service",
    5: "Invalid format - This service doesn't exist in that format",
    6: "Invalid parameters - Your request is missing a required parameter",
    7: "Invalid resource specified",
    8: "Operation failed - Most likely the backend service failed. Please try again.",
    9: "Invalid session key - Please re-authenticate",
    10: "Invalid API key - You must be granted a valid key by last.fm",
    11: "Service Offline - This service is temporarily offline. Try again later.",
    13: "Invalid method signature supplied",
    14: "Unauthorized Token - This token has not been authorized",
    15: "This token has expired",
    16: "There was a temporary error processing your request. Please try again",
    17: "Login: User required to be logged in",
    26: "Suspended API key - Access for your account has been suspended, please contact Last.fm",
    29: "Rate Limit Exceeded - Your IP has made too many requests in a short period",
}

HTML_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>nginx</center></body></html>"
)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    code: int = 0
    status: int = 200
    seconds: float = 0.0
    message: str = ""

    @classmethod
    def api(cls, code: int, *, status: int | None = None, message: str | None = None) -> Fault:
        """An error body `{"error": code, "message": ...}` with Last.fm's status for it (or `status`)."""
        text = message if message is not None else MESSAGES.get(code, "Error")
        return cls(
            "api", code=code, status=status if status is not None else status_for_error(code, text), message=text
        )

    @classmethod
    def http(cls, status: int) -> Fault:
        """A bare status with a short plain-text body (e.g. 500, 502, 503, 429)."""
        return cls("http", status=status)

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """An HTML error page, as an edge proxy sends."""
        return cls("html", status=status)

    @classmethod
    def hang(cls, seconds: float = 60.0) -> Fault:
        """No answer for `seconds` (or until the stand-in closes); then a 504."""
        return cls("hang", seconds=seconds)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The normal answer, `seconds` late."""
        return cls("slow", seconds=seconds)


@dataclass
class Rule:
    fault: Fault
    method: str | None
    remaining: int | None  # None: every matching call (subject to fraction)
    fraction: float | None

    def take(self, method: str, rng: random.Random) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.fraction is not None and rng.random() >= self.fraction:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True
