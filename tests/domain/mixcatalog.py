"""A MusicCatalog in memory for the mix tests: a small generated world of artists, tags, similarity and
listeners, a log of every lookup, and failures injectable per lookup."""

from __future__ import annotations

from bot.domain.catalog import (
    ArtistList,
    CatalogTrack,
    Listener,
    Listening,
    Period,
    PrivateProfile,
    SimilarArtist,
    TagCount,
    TagList,
    TrackFacts,
    TrackList,
)
from bot.domain.errors import NotFound, UpstreamUnavailable

TAGS = {"rainy": range(0, 20), "lo-fi": range(10, 30), "metal": range(25, 40), "jazz": range(30, 40)}


def song(artist: str, name: str, *, duration: int | None = 200, match: float | None = None) -> CatalogTrack:
    return CatalogTrack(artist=artist, name=name, duration_s=duration, match=match, url=f"https://fm.example/{name}")


class MixCatalog:
    def __init__(self, *, artists: int = 40, per_artist: int = 6) -> None:
        self.artists = [f"Artist {i:02d}" for i in range(artists)]
        self.songs = {
            a: [song(a, f"{a} Song {j}", duration=150 + 10 * j) for j in range(per_artist)] for a in self.artists
        }
        self.tag_tracks: dict[str, list[CatalogTrack]] = {}
        for tag, ids in TAGS.items():  # a tag's ranking interleaves its artists' songs, best first
            ranked = [self.songs[self.artists[i]][j] for j in range(per_artist) for i in ids]
            self.tag_tracks[tag] = ranked
        self.artist_tags = {a: [t for t, ids in TAGS.items() if i in ids] for i, a in enumerate(self.artists)}
        self.users: dict[str, tuple[list[CatalogTrack], list[CatalogTrack]]] = {}
        self.private: set[str] = set()
        self.failing: set[tuple[str, str]] = set()  # (method, first argument) that raise UpstreamUnavailable
        self.down = False
        self.calls: list[tuple[str, str]] = []

    # -- helpers for tests -------------------------------------------------------------------------------------

    def add_user(self, name: str, artists: list[int], *, recent: list[int] | None = None) -> None:
        top = [self.songs[self.artists[i]][j] for i in artists for j in range(3)]
        rec = [self.songs[self.artists[i]][4] for i in (recent or [])]
        self.users[name] = (top, rec)

    def asked(self, method: str, arg: str | None = None) -> int:
        return sum(1 for m, a in self.calls if m == method and (arg is None or a == arg))

    def _call(self, method: str, arg: str) -> None:
        self.calls.append((method, arg))
        if self.down or (method, arg) in self.failing:
            raise UpstreamUnavailable("Last.fm is not answering right now.")

    # -- MusicCatalog ------------------------------------------------------------------------------------------

    async def search_tracks(
        self, query: str, *, artist: str | None = None, limit: int = 30, page: int = 1
    ) -> TrackList:
        self._call("search_tracks", query)
        return TrackList()

    async def track_info(self, artist: str, title: str, *, username: str | None = None) -> TrackFacts:
        self._call("track_info", artist)
        raise NotFound("unknown")

    async def user_info(self, username: str) -> Listener:
        self._call("user_info", username)
        return Listener(username=username)

    def _user(self, username: str) -> tuple[list[CatalogTrack], list[CatalogTrack]]:
        if username in self.private:
            raise PrivateProfile(username)
        if username not in self.users:
            raise NotFound("no such user")
        return self.users[username]

    async def recent_tracks(self, username: str, *, limit: int = 50, page: int = 1) -> Listening:
        self._call("recent_tracks", username)
        return Listening(username=username, tracks=tuple(self._user(username)[1][:limit]))

    async def user_top_tracks(
        self, username: str, *, period: Period = Period.OVERALL, limit: int = 50, page: int = 1
    ) -> TrackList:
        self._call("user_top_tracks", username)
        return TrackList(tracks=tuple(self._user(username)[0][:limit]))

    async def similar_tracks(self, artist: str, title: str, *, limit: int = 50) -> TrackList:
        self._call("similar_tracks", f"{artist} - {title}")
        if artist not in self.songs or title.startswith("Lonely"):
            return TrackList()
        i = self.artists.index(artist)
        out = [
            song(s.artist, s.name, duration=s.duration_s, match=round(1 - 0.02 * k, 2))
            for k, s in enumerate(
                [t for d in (1, 2, 3, 4, 5) for t in self.songs[self.artists[(i + d) % len(self.artists)]]]
            )
        ]
        return TrackList(tracks=tuple(out[:limit]))

    async def similar_artists(self, artist: str, *, limit: int = 30) -> ArtistList:
        self._call("similar_artists", artist)
        if artist not in self.songs:
            raise NotFound(f"Last.fm doesn't know {artist}")
        i = self.artists.index(artist)
        near = [self.artists[(i - d) % len(self.artists)] for d in range(1, 8)]
        return ArtistList(artists=tuple(SimilarArtist(name=a, match=1 - 0.1 * k) for k, a in enumerate(near[:limit])))

    async def artist_top_tracks(self, artist: str, *, limit: int = 50, page: int = 1) -> TrackList:
        self._call("artist_top_tracks", artist)
        return TrackList(tracks=tuple(self.songs.get(artist, [])[:limit]))

    async def artist_top_tags(self, artist: str) -> TagList:
        self._call("artist_top_tags", artist)
        return TagList(tags=tuple(TagCount(name=t, count=100 - 20 * k) for k, t in enumerate(self.artist_tags[artist])))

    async def tag_top_tracks(self, tag: str, *, limit: int = 50, page: int = 1) -> TrackList:
        self._call("tag_top_tracks", tag)
        ranked = self.tag_tracks.get(tag, [])
        pages = -(-len(ranked) // limit)
        return TrackList(tracks=tuple(ranked[(page - 1) * limit : page * limit]), page=page, total_pages=pages)

    async def top_tags(self, *, limit: int = 50, page: int = 1) -> TagList:
        self._call("top_tags", "")
        return TagList(tags=tuple(TagCount(name=t) for t in ["rainy", "lo-fi", "rock", "metal", "jazz", "rap"]))
