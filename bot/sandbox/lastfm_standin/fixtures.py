"""Fixtures mode: answer with the recorded Last.fm responses in `<repo>/../shared/fixtures/lastfm`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def default_fixtures_dir() -> Path:
    """The recorded responses beside the repository: <repo>/../shared/fixtures/lastfm."""
    return REPO_ROOT.parent / "shared" / "fixtures" / "lastfm"


def status_for_error(code: int, message: str = "") -> int:
    """The HTTP status Last.fm sends with an error body (FACTS.md section 4)."""
    msg = message.lower()
    if code == 6:
        if "user not found" in msg or "no user with that name" in msg or "artist you supplied could not" in msg:
            return 404
        if "not found" in msg:  # "Album not found", "Track not found": HTTP 200
            return 200
        return 400
    return {
        4: 403, 8: 500, 9: 403, 10: 403, 11: 503, 13: 403, 14: 403, 15: 403, 16: 503, 17: 403, 26: 403, 29: 429,
    }.get(code, 400)  # fmt: skip


@dataclass(frozen=True)
class Route:
    method: str
    match: Mapping[str, str]  # parameter -> case-insensitive value, "*" = present
    file: str

    def matches(self, method: str, params: Mapping[str, str]) -> bool:
        if method.lower() != self.method.lower():
            return False
        for name, want in self.match.items():
            have = params.get(name, "").strip()
            if not have or (want != "*" and have.casefold() != want.casefold()):
                return False
        return True


DEFAULT_ROUTES = (
    Route("track.getInfo", {"artist": "Fake Artist"}, "track.getInfo.lfmdocs-unknown-track-stub.json"),
    Route("track.getInfo", {"username": "*"}, "track.getInfo.lfmdocs-with-username.json"),
    Route("track.getInfo", {}, "track.getInfo.lfmdocs-no-username.json"),
    Route("track.search", {"track": "transfuzja"}, "track.search.mocket-2013.json"),
    Route("track.search", {}, "track.search.lfmdocs-no-results.json"),
    Route("track.getSimilar", {"artist": "Fake Artist"}, "track.getSimilar.lfmdocs-unknown-empty.json"),
    Route("track.getSimilar", {}, "track.getSimilar.navidrome-trimmed.json"),
    Route("artist.getInfo", {"artist": "U2"}, "artist.getInfo.navidrome-u2.json"),
    Route("artist.getInfo", {"artist": "The Weeknd"}, "artist.getInfo.lfmdocs-with-username.json"),
    Route("artist.getInfo", {}, "error.6.lfmdocs-artist-not-found.json"),
    Route("artist.getTopTracks", {"artist": "U2"}, "artist.getTopTracks.navidrome-u2.json"),
    Route("artist.getTopTracks", {"artist": "[unknown]"}, "artist.getTopTracks.navidrome-unknown-artist.json"),
    Route("artist.getTopTracks", {"artist": "Chris Cornell"}, "artist.getTopTracks.lfmdocs.json"),
    Route("artist.getTopTracks", {}, "error.6.navidrome-artist-not-found.json"),
    Route("artist.getSimilar", {"artist": "U2"}, "artist.getSimilar.navidrome-u2.json"),
    Route("artist.getSimilar", {"artist": "[unknown]"}, "artist.getSimilar.navidrome-unknown-empty.json"),
    Route("artist.getSimilar", {}, "artist.getSimilar.lastfmswift.json"),
    Route("album.getInfo", {"album": "Believe"}, "album.getInfo.navidrome-cher.json"),
    Route("album.getInfo", {"album": "Metallica"}, "album.getInfo.lfmdocs.json"),
    Route("album.getInfo", {}, "error.6.lfmdocs-album-not-found.json"),
    Route("tag.getInfo", {"tag": "metal"}, "tag.getInfo.lfmdocs.json"),
    Route("tag.getInfo", {}, "tag.getInfo.lfmdocs-unknown-tag.json"),
    Route("tag.getTopTracks", {}, "tag.getTopTracks.lfmdocs-unknown-tag-empty.json"),
    Route("chart.getTopTracks", {}, "chart.getTopTracks.lfmdocs.json"),
    Route("user.getInfo", {"user": "ishaanshah"}, "user.getInfo.listenbrainz.json"),
    Route("user.getInfo", {"user": "TyphoonsNotABot"}, "user.getInfo.lfmdocs.json"),
    Route("user.getInfo", {}, "error.6.lfmdocs-user-not-found.json"),
    Route("user.getRecentTracks", {"user": "private"}, "error.17.lfmdocs-recent-listening-hidden.json"),
    Route("user.getRecentTracks", {"user": "RJ"}, "user.getRecentTracks.iflastfm-single-object.json"),
    Route("user.getRecentTracks", {"extended": "1"}, "user.getRecentTracks.lfmdocs-nowplaying-extended.json"),
    Route("user.getRecentTracks", {}, "user.getRecentTracks.lastfmswift-nowplaying.json"),
    Route("user.getTopTracks", {}, "user.getTopTracks.lfmdocs.json"),
    Route("user.getLovedTracks", {"page": "2"}, "user.getLovedTracks.listenbrainz-page2.json"),
    Route("user.getLovedTracks", {}, "user.getLovedTracks.listenbrainz-page1.json"),
)


@dataclass
class FixtureApi:
    """Chooses a recorded file per request: routes added with `route()` first, then the defaults."""

    directory: Path = field(default_factory=default_fixtures_dir)
    routes: list[Route] = field(default_factory=list)

    def route(self, method: str, file: str, **match: str) -> None:
        if not (self.directory / file).is_file():
            raise FileNotFoundError(self.directory / file)
        self.routes.insert(0, Route(method, match, file))

    def file_for(self, method: str, params: Mapping[str, str]) -> str | None:
        for r in (*self.routes, *DEFAULT_ROUTES):
            if r.matches(method, params):
                return r.file
        return None

    def handle(self, method: str, params: Mapping[str, str]) -> tuple[int, bytes]:
        """(HTTP status, body bytes exactly as recorded)."""
        name = self.file_for(method, params)
        if name is None:
            body = {"error": 3, "message": "Invalid Method - No method with that name in this package", "links": []}
            return 400, json.dumps(body).encode()
        raw = (self.directory / name).read_bytes()
        try:
            payload = json.loads(raw)
        except ValueError:
            return 200, raw
        status = 200
        if isinstance(payload, dict) and "error" in payload:
            status = status_for_error(int(payload["error"]), str(payload.get("message", "")))
        return status, raw
