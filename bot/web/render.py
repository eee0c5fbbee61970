"""The share pages' CPU work: rendering a page variant and writing an export, in a worker process; compressing
(`gzipped`, in a thread of the server's process: zlib lets go of the GIL while it works).

Why a process and not a thread: the work is pure Python (jinja2 on a thousand rows takes tens of ms) and holds the
GIL. In a thread it still stalls the event loop that answers the bot's interactions: every time the loop's thread
gives the GIL up for a system call, it waits up to the interpreter's switch interval (5 ms) to get it back, and one
loop turn makes many calls (measured: the loop's lag reached ~190 ms while eight variants rendered in a thread).

What crosses to the worker is picklable and cheap to send: the page pickled once per version (`pack`, ~20 ms for
1,000 tracks, then the same bytes for every variant) and `Shown`, what the server lets the page show, resolved in
the server's process (display names come from the gateway's cache there). Every function here is pure: the same
input gives the same bytes, hence the same ETag.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

import jinja2

from bot.domain import formats
from bot.domain.formats import ExportTrack, Format
from bot.domain.services.share import SharePage
from bot.web import view

TEMPLATES = Path(__file__).parent / "templates"

type Made = tuple[bytes, str]
"""A variant's body and its strong ETag."""


@dataclass(frozen=True)
class Shown:
    """What the server lets a page show, resolved in the server's process."""

    names: dict[int, str] | None  # contributors' display names (by user id), when the server allows them
    server: str | None  # the server's name, when it allows it
    url: str | None  # the page's public address


_env: jinja2.Environment | None = None
_last: tuple[bytes, SharePage] | None = None  # the worker renders a version's variants in a row: unpickled once


def environment() -> jinja2.Environment:
    global _env  # noqa: PLW0603 - one environment per worker process, made on first use
    if _env is None:
        # as the server's own environment (bot.web.server): autoescape for every template and value
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
        )
    return _env


def pack(page: SharePage) -> Made:
    """The page as bytes for the worker (the ETag slot is unused)."""
    return pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL), ""


def unpack(packed: bytes) -> SharePage:
    global _last  # noqa: PLW0603 - a one-entry memo per worker process
    if _last is None or _last[0] != packed:
        page = pickle.loads(packed)  # noqa: S301 - bytes this process's parent pickled from its own store read
        assert isinstance(page, SharePage)
        _last = (packed, page)
    return _last[1]


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def tagged(body: bytes) -> Made:
    return body, etag(body)


def names_of(shown: Shown) -> view.Names | None:
    return None if shown.names is None else shown.names.get


def page(packed: bytes, platform: str, shown: Shown) -> Made:
    """The page for one platform."""
    share_page = unpack(packed)
    context = {
        "view": view.build(share_page, platform=platform, names=names_of(shown), server=shown.server),
        "url": shown.url,
        "base": f"/s/{share_page.share.token}",
        "platforms": view.PLATFORMS,
        "formats": list(view.FORMAT_LABELS.items()),
    }
    return tagged(environment().get_template("page.html").render(context).encode())


def export(packed: bytes, fmt: Format, shown: Shown) -> Made:
    """The playlist as a file."""
    share_page = unpack(packed)
    names = names_of(shown)
    tracks = [
        ExportTrack(
            track=e.track,
            added_by=view.contributor_label(e.added_by, names) if names else None,
            added_at=e.added_at,
        )
        for e in share_page.entries
    ]
    playlist = share_page.playlist
    return tagged(formats.export(playlist.name, playlist.description, tracks, fmt, date=playlist.created_at))


def gzipped(body: bytes, tag: str) -> Made:
    """The gzip representation (a fixed mtime: the same bytes every time) with its own ETag."""
    return gzip.compress(body, 6, mtime=0), tag[:-1] + '-gz"'


WORKER_NICENESS = 10


def start_worker() -> None:
    """The worker process's initializer: a lower CPU priority than the bot's own process, so on a busy machine the
    loop that answers interactions gets the CPU first and page rendering what is left (a page is cached once made,
    an interaction has a 3 s deadline)."""
    os.nice(WORKER_NICENESS)


def ready() -> bool:
    """A no-op that makes the worker process start (and import this module) before the first visit."""
    environment()
    return True
