"""Links that open a track on every major platform. Playlists are not tied to one service: a search link works
for any track, whatever platform the member uses."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import quote, quote_plus, urlsplit

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
_LASTFM_TRACK = "https://www.last.fm/music/{artist}/_/{title}"
_LASTFM_HOSTS = frozenset({"www.last.fm", "last.fm"})


def search_links(track: Track) -> list[tuple[Platform, str]]:
    """(platform, search url) for every platform, in a fixed order."""
    text = f"{track.artist} {track.title}"
    query, path = quote_plus(text), quote(text)  # once per track, not once per platform
    return [(p, p.search.format(query=query, path=path)) for p in PLATFORMS]


def platform_links(track: Track) -> list[tuple[str, str]]:
    """(platform, url) pairs: Last.fm's own page when known, then a search on each platform."""
    links = [(platform.name, url) for platform, url in search_links(track)]
    if (page := lastfm_page(track)) is not None:
        links.insert(0, ("Last.fm", page))
    return links


def lastfm_page(track: Track) -> str | None:
    """The track's Last.fm page when Last.fm knows the track (it gave a URL), built by Sharify: a URL is linked only
    when Sharify made it, so an odd URL in an upstream answer can never become a link in a message."""
    if not track.url:
        return None
    parts = urlsplit(track.url)
    if parts.scheme == "https" and parts.hostname in _LASTFM_HOSTS and not (parts.query or parts.fragment):
        return f"https://www.last.fm{quote(parts.path, safe='/%+:')}"
    return _LASTFM_TRACK.format(artist=quote_plus(track.artist), title=quote_plus(track.title))


def track_page(track: Track) -> str:
    """One address for the track: its Last.fm page when known, else a Last.fm track search."""
    return track.url or _LASTFM_SEARCH.format(query=quote_plus(f"{track.artist} {track.title}"))
