"""Rate-limit buckets and injected failures for the simulated REST API.

Route patterns are :func:`fnmatch.fnmatch` globs matched against ``"METHOD /path"`` (path relative to
``/api/v10``), or against the path alone when the pattern starts with ``/``. Examples:
``"POST /channels/*/messages"``, ``"/interactions/*"``, ``"*"``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any

from .model import JSON


def route_matches(pattern: str, method: str, path: str) -> bool:
    return fnmatch(path, pattern) if pattern.startswith("/") else fnmatch(f"{method} {path}", pattern)


@dataclass
class Injection:
    """The next ``count`` matching requests fail with ``status`` (429 uses Discord's exact shape)."""

    pattern: str
    status: int
    count: int
    retry_after: float = 0.0
    is_global: bool = False
    code: int = 0  # Discord's JSON error code (e.g. 50035 with a 400: the form body was refused)

    def response(self) -> tuple[int, JSON, dict[str, str]]:
        if self.status == 429:
            body: JSON = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
                "code": 0,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, math.ceil(self.retry_after))),
                "X-RateLimit-Scope": "global" if self.is_global else "user",
            }
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            return 429, body, headers
        if self.code == 50035:
            return self.status, {"message": "Invalid Form Body", "code": self.code, "errors": {}}, {}
        return self.status, {"message": f"{self.status}: Simulated server error", "code": self.code}, {}


@dataclass
class RouteLimit:
    """A fixed-window bucket that sends real ``X-RateLimit-*`` headers and 429s when the bot overruns it."""

    pattern: str
    limit: int
    reset_after: float
    bucket: str
    window_end: float = 0.0
    used: int = 0

    def take(self) -> tuple[dict[str, str], float | None]:
        """Consume one request; return the headers and, if the bucket was already empty, the wait."""
        now = time.monotonic()
        if now >= self.window_end:
            self.window_end = now + self.reset_after
            self.used = 0
        reset_after = max(self.window_end - now, 0.0)
        if self.used >= self.limit:
            return {}, reset_after
        self.used += 1
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.limit - self.used),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.bucket,
        }
        return headers, None


class Faults:
    """All configured rate limits and pending injected failures."""

    def __init__(self) -> None:
        self.injections: list[Injection] = []
        self.limits: list[RouteLimit] = []
        self.overruns: list[tuple[str, str]] = []

    def inject(self, injection: Injection) -> None:
        self.injections.append(injection)

    def set_limit(self, pattern: str, limit: int, reset_after: float, bucket: str | None = None) -> None:
        self.limits = [lim for lim in self.limits if lim.pattern != pattern]
        self.limits.append(RouteLimit(pattern, limit, reset_after, bucket or f"sim-{len(self.limits)}"))

    def take_injection(self, method: str, path: str) -> Injection | None:
        for injection in self.injections:
            if injection.count > 0 and route_matches(injection.pattern, method, path):
                injection.count -= 1
                return injection
        return None

    def pending(self) -> int:
        return sum(i.count for i in self.injections)

    def limit_for(self, method: str, path: str) -> tuple[dict[str, str], Any]:
        for limit in self.limits:
            if route_matches(limit.pattern, method, path):
                headers, wait = limit.take()
                if wait is not None:
                    self.overruns.append((method, path))
                    return {}, Injection(limit.pattern, 429, 0, retry_after=round(wait, 3))
                return headers, None
        return {}, None
