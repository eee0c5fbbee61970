"""What a share page shows, as plain values for the template: a pure function of the stored page and the names
the server lets it show. Every link is built by Sharify (bot.domain.links); every text is escaped by the template
engine, never here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from bot.domain.formats import Format
from bot.domain.links import PLATFORMS as SEARCHES
from bot.domain.links import lastfm_page, platform_links, track_page
from bot.domain.models import Track
from bot.domain.services.privacy import FORMER_MEMBER_ID
from bot.domain.services.share import SharePage

A_MEMBER = "a member"
FORMER_MEMBER = "a former member"
MAX_CONTRIBUTORS = 12
OG_TRACKS = 3  # tracks named in the link preview
PLATFORM_KEYS = {
    "Last.fm": "lastfm",
    "Spotify": "spotify",
    "Apple Music": "apple",
    "YouTube Music": "ytmusic",
    "YouTube": "youtube",
    "Deezer": "deezer",
    "Tidal": "tidal",
    "SoundCloud": "soundcloud",
    "Bandcamp": "bandcamp",
}
PLATFORMS = tuple(PLATFORM_KEYS.items())  # (name, key) in the picker's order
DEFAULT_PLATFORM = "lastfm"
FORMAT_LABELS = {
    Format.XSPF: "XSPF (VLC, most players)",
    Format.JSPF: "JSPF (JSON)",
    Format.M3U8: "M3U8",
    Format.CSV: "CSV (spreadsheets)",
    Format.TXT: "Plain text",
}

type Names = Callable[[int], str | None]
"""A contributor's display name by user id, when known."""


@dataclass(frozen=True)
class Link:
    platform: str
    key: str
    url: str


@dataclass(frozen=True)
class Row:
    """One track: its Last.fm link always, and the chosen platform's link (None when Last.fm is the choice). The
    other platforms' links are one picker choice away, so the page carries two links per track, not nine."""

    position: int
    artist: str
    title: str
    album: str | None
    length: str | None
    lastfm: Link
    chosen: Link | None


@dataclass(frozen=True)
class PageView:
    name: str
    description: str
    server: str | None
    count: int
    total: str
    contributors: tuple[tuple[str, int], ...]
    more_contributors: int
    rows: tuple[Row, ...]
    platform: str
    indexable: bool
    summary: str  # the link preview's text: count, length and the first tracks


def clock_length(seconds: int) -> str:
    minutes, s = divmod(seconds, 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def total_length(seconds: int, unknown: int) -> str:
    h, m = divmod(round(seconds / 60), 60)
    text = f"{h} h {m} min" if h else f"{m} min"
    return f"{text} (+{unknown} of unknown length)" if unknown else text


def links_of(track: Track) -> tuple[Link, ...]:
    """Last.fm (the track's page when Last.fm gave one, else a Last.fm search), then a search on each platform:
    every URL built by Sharify."""
    pairs = platform_links(track)
    if pairs[0][0] != "Last.fm":
        pairs.insert(0, ("Last.fm", track_page(track.model_copy(update={"url": None}))))
    return tuple(Link(name, PLATFORM_KEYS[name], url) for name, url in pairs)


_SEARCH_BY_KEY = {PLATFORM_KEYS[p.name]: p for p in SEARCHES}
_LASTFM_SEARCH = "https://www.last.fm/search/tracks?q="


def link_for(track: Track, key: str) -> Link:
    """The one link of `links_of(track)` for platform `key`, built without the other eight (a page builds one or
    two per track, for a thousand tracks)."""
    text = f"{track.artist} {track.title}"
    if key == DEFAULT_PLATFORM:
        return Link("Last.fm", key, lastfm_page(track) or _LASTFM_SEARCH + quote_plus(text))
    platform = _SEARCH_BY_KEY[key]
    return Link(platform.name, key, platform.search.format(query=quote_plus(text), path=quote(text)))


def contributor_label(user_id: int, names: Names | None) -> str:
    if user_id == FORMER_MEMBER_ID:
        return FORMER_MEMBER
    if names is None:
        return A_MEMBER
    return names(user_id) or A_MEMBER


def build(page: SharePage, *, platform: str, names: Names | None, server: str | None) -> PageView:
    """The page's view. `names` and `server` are given only when the server allows showing them."""
    key = platform if platform in PLATFORM_KEYS.values() else DEFAULT_PLATFORM
    rows = []
    for position, entry in enumerate(page.entries, start=1):
        track = entry.track
        chosen = None if key == DEFAULT_PLATFORM else link_for(track, key)
        length = clock_length(track.duration_s) if track.duration_s else None
        rows.append(Row(position, track.artist, track.title, track.album, length, link_for(track, "lastfm"), chosen))
    people = page.stats.contributors
    contributors = tuple((contributor_label(uid, names), n) for uid, n in people[:MAX_CONTRIBUTORS])
    count = page.stats.total
    total = total_length(page.stats.total_duration_s, page.stats.unknown_durations)
    return PageView(
        name=page.playlist.name,
        description=page.playlist.description,
        server=server,
        count=count,
        total=total,
        contributors=contributors,
        more_contributors=max(0, len(people) - MAX_CONTRIBUTORS),
        rows=tuple(rows),
        platform=key,
        indexable=page.share.indexable,
        summary=summary(page, total),
    )


def summary(page: SharePage, total: str | None = None) -> str:
    """The link preview's text: the count, the total length and the first tracks."""
    count = page.stats.total
    total = total or total_length(page.stats.total_duration_s, page.stats.unknown_durations)
    first = ", ".join(f"{e.track.artist} – {e.track.title}" for e in page.entries[:OG_TRACKS])
    text = f"{count} track{'' if count == 1 else 's'} · {total}" + (f" · {first}" if first else "")
    return text + ", …" if count > OG_TRACKS else text
