"""What Discord's client would render as a live entity in a message: links, mentions, timestamps, custom emoji.

A scanner in the spirit of Discord's markdown parser (a fork of simple-markdown): left to right, at each position the
first rule that matches wins. It errs on the side of finding an entity:

- ``\\x`` for any ASCII punctuation x is literal (the escape rule comes first, so ``\\<@1>`` and ``https\\://`` are
  plain text);
- an inline code span (a run of backticks up to the same run) hides everything inside it;
- a masked link ``[label](url)`` / ``[label](<url>)`` / ``[label](url "title")`` is found with the label regex of the
  link rule (which does not honour escapes); its label is scanned again, since Discord renders inline syntax there;
- ``<https://...>`` autolinks, ``<@id>`` ``<@!id>`` ``<@&id>`` ``<#id>`` ``</name:id>`` ``<t:N>`` ``<t:N:R>``
  ``<:name:id>`` ``<a:name:id>`` and ``<id:browse>``-style guild navigation;
- bare ``http(s)://`` URLs and ``@everyone`` / ``@here``.

Invisible characters that a client or Discord itself may strip (zero-width spaces, bidi controls) are removed before
scanning, so ``ht\\u200btps://`` counts as a URL.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .model import JSON

INVISIBLE = dict.fromkeys(
    [0x00AD, 0x180E, 0x200B, 0x200E, 0x200F, 0x061C, 0xFEFF, *range(0x202A, 0x202F), *range(0x2060, 0x2070)]
)
PUNCTUATION = frozenset(string.punctuation)

_LINK = re.compile(
    r"\[((?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*)\]"
    r"\(\s*<?((?:\([^)]*\)|[^\s\\]|\\.)*?)>?(?:\s+['\"]([\s\S]*?)['\"])?\s*\)"
)
_ANGLE: list[tuple[str, re.Pattern[str]]] = [
    ("user", re.compile(r"<@!?(\d+)>")),
    ("role", re.compile(r"<@&(\d+)>")),
    ("channel", re.compile(r"<#(\d+)>")),
    ("command", re.compile(r"</([^\s:>][^:>]*):(\d+)>")),
    ("timestamp", re.compile(r"<t:(-?\d+)(?::[a-zA-Z])?>")),
    ("emoji", re.compile(r"<a?:(\w+):(\d+)>")),
    ("navigation", re.compile(r"<id:(\w+)>")),
    ("autolink", re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*://[^\s>]+)>")),
]
_URL = re.compile(r"https?://[^\s<]+[^<.,:;\"')\]\s]", re.IGNORECASE)
_EVERYONE = re.compile(r"@(everyone|here)")


@dataclass(frozen=True)
class Entity:
    kind: str  # link, autolink, url, user, role, channel, command, timestamp, emoji, navigation, everyone
    value: str  # the URL, the id, or the word

    @property
    def host(self) -> str | None:
        if self.kind not in ("link", "autolink", "url"):
            return None
        try:
            return (urlsplit(self.value).hostname or "").lower()
        except ValueError:
            return ""


def entities(text: str) -> list[Entity]:
    """Every live entity Discord would render in `text` (message content or any embed text)."""
    return list(_scan(text.translate(INVISIBLE)))


def _scan(text: str) -> Iterator[Entity]:
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in PUNCTUATION:
            i += 2
            continue
        if c == "`":
            end = _code_end(text, i)
            if end is not None:
                i = end
                continue
        if c == "[":
            m = _LINK.match(text, i)
            if m is not None:
                yield from _scan(m.group(1))
                yield Entity("link", m.group(2))
                i = m.end()
                continue
        if c == "<":
            found = _angle(text, i)
            if found is not None:
                entity, i = found
                yield entity
                continue
        if c in "hH":
            m = _URL.match(text, i)
            if m is not None:
                yield Entity("url", m.group(0))
                i = m.end()
                continue
        if c == "@":
            m = _EVERYONE.match(text, i)
            if m is not None:
                yield Entity("everyone", m.group(1))
                i = m.end()
                continue
        i += 1


def _code_end(text: str, start: int) -> int | None:
    """The index after an inline code span or code block opening at `start`, or None when it never closes."""
    run = len(text) - len(text[start:].lstrip("`"))
    fence = text[start : start + run]
    end = text.find(fence, start + run)
    while end != -1 and text[end + run : end + run + 1] == "`":  # a longer run does not close this one
        end = text.find(fence, end + run + 1)
    return None if end == -1 else end + run


def _angle(text: str, start: int) -> tuple[Entity, int] | None:
    for kind, pattern in _ANGLE:
        m = pattern.match(text, start)
        if m is not None:
            value = m.group(2) if kind in ("command", "emoji") else m.group(1)
            return Entity(kind, value), m.end()
    return None


def _embed_texts(embed: JSON) -> Iterator[str]:
    for key in ("title", "description"):
        if isinstance(embed.get(key), str):
            yield embed[key]
    for field in embed.get("fields") or []:
        for key in ("name", "value"):
            if isinstance(field.get(key), str):
                yield field[key]
    for part in ("footer", "author"):
        inner = embed.get(part) or {}
        key = "text" if part == "footer" else "name"
        if isinstance(inner.get(key), str):
            yield inner[key]


def payload_texts(payload: JSON) -> Iterator[str]:
    """Every text of a message body that Discord renders with markdown: content and each embed's texts."""
    if isinstance(payload.get("content"), str):
        yield payload["content"]
    for embed in payload.get("embeds") or []:
        yield from _embed_texts(embed)


def entities_in_payload(payload: dict[str, Any]) -> list[Entity]:
    """Every live entity in a message body (an interaction callback's `data`, or a webhook / message payload)."""
    return [entity for text in payload_texts(payload) for entity in entities(text)]


BOT_HOSTS = frozenset(
    {
        "last.fm",
        "www.last.fm",
        "open.spotify.com",
        "music.apple.com",
        "music.youtube.com",
        "www.youtube.com",
        "www.deezer.com",
        "tidal.com",
        "soundcloud.com",
        "bandcamp.com",
    }
)


def foreign(found: Iterable[Entity], *, own_ids: Iterable[str] = (), hosts: frozenset[str] = BOT_HOSTS) -> list[Entity]:
    """The entities the bot did not make itself: links to a host outside `hosts`, and any mention, timestamp or
    emoji whose id is not in `own_ids` (the ids the bot mentions on purpose, e.g. who added a track)."""
    own = set(own_ids)
    out = []
    for entity in found:
        host = entity.host
        if host is not None:
            if host not in hosts:
                out.append(entity)
        elif entity.value not in own:
            out.append(entity)
    return out
