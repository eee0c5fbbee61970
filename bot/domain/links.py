"""Links that open a track on every major platform. Playlists are not tied to one service: a search link works
for any track, whatever platform the member uses."""

from __future__ import annotations

from urllib.parse import quote, quote_plus

from bot.domain.models import Track

_SEARCH = {
    "Spotify": "https://open.spotify.com/search/{path}",
    "Apple Music": "https://music.apple.com/search?term={query}",
    "YouTube Music": "https://music.youtube.com/search?q={query}",
    "YouTube": "https://www.youtube.com/results?search_query={query}",
    "Deezer": "https://www.deezer.com/search/{path}",
    "Tidal": "https://listen.tidal.com/search?q={query}",
    "SoundCloud": "https://soundcloud.com/search?q={query}",
}


def platform_links(track: Track) -> list[tuple[str, str]]:
    """(platform, url) pairs: Last.fm's own page when known, then a search on each platform."""
    text = f"{track.artist} {track.title}"
    links = [(name, url.format(query=quote_plus(text), path=quote(text))) for name, url in _SEARCH.items()]
    if track.url:
        links.insert(0, ("Last.fm", track.url))
    return links
