"""Links that open a track on every major platform. Playlists are not tied to one service: a search link works
for any track, whatever platform the member uses."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote, quote_plus

from bot.domain.models import Track


class Platform(NamedTuple):
    name: str
    home: str  # the platform's own address; XSPF uses it as a link's `rel`
    search: str  # {query}: form-encoded "artist title"; {path}: path-encoded


PLATFORMS = (
    Platform("Spotify", "https://open.spotify.com/", "https://open.spotify.com/search/{path}"),
    Platform("Apple Music", "https://music.apple.com/", "https://music.apple.com/search?term={query}"),
    Platform("YouTube Music", "https://music.youtube.com/", "https://music.youtube.com/search?q={query}"),
    Platform("YouTube", "https://www.youtube.com/", "https://www.youtube.com/results?search_query={query}"),
    Platform("Deezer", "https://www.deezer.com/", "https://www.deezer.com/search/{path}"),
    Platform("Tidal", "https://listen.tidal.com/", "https://listen.tidal.com/search?q={query}"),
    Platform("SoundCloud", "https://soundcloud.com/", "https://soundcloud.com/search?q={query}"),
    Platform("Bandcamp", "https://bandcamp.com/", "https://bandcamp.com/search?q={query}&item_type=t"),
)
LASTFM_HOME = "https://www.last.fm/"
_LASTFM_SEARCH = "https://www.last.fm/search/tracks?q={query}"


def search_links(track: Track) -> list[tuple[Platform, str]]:
    """(platform, search url) for every platform, in a fixed order."""
    text = f"{track.artist} {track.title}"
    query, path = quote_plus(text), quote(text)  # once per track, not once per platform
    return [(p, p.search.format(query=query, path=path)) for p in PLATFORMS]


def platform_links(track: Track) -> list[tuple[str, str]]:
    """(platform, url) pairs: Last.fm's own page when known, then a search on each platform."""
    links = [(platform.name, url) for platform, url in search_links(track)]
    if track.url:
        links.insert(0, ("Last.fm", track.url))
    return links


def track_page(track: Track) -> str:
    """One address for the track: its Last.fm page when known, else a Last.fm track search."""
    return track.url or _LASTFM_SEARCH.format(query=quote_plus(f"{track.artist} {track.title}"))
