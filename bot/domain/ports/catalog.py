"""The music catalog port: what the domain asks of a music catalog (Last.fm), in domain types.

Every answer carries `stale` (True when the catalog was failing and an older cached copy is served). Errors are
the domain's own: `NotFound` (unknown artist, track or user), `PrivateProfile` (a listener's plays are hidden),
`InvalidInput` (a parameter the catalog refused), `UpstreamUnavailable` (not answering, or not configured).
Unknown tracks or artists in list lookups (similar, top) give empty lists, not errors.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.catalog import ArtistList, Listener, Listening, Period, TagList, TrackFacts, TrackList


class MusicCatalog(Protocol):
    # -- finding and describing tracks -----------------------------------------------------------------

    async def search_tracks(
        self, query: str, *, artist: str | None = None, limit: int = 30, page: int = 1
    ) -> TrackList: ...

    async def track_info(self, artist: str, title: str, *, username: str | None = None) -> TrackFacts:
        """Spelling is corrected; `username` adds that listener's play count. Unknown: NotFound."""
        ...

    # -- listeners ---------------------------------------------------------------------------------------

    async def user_info(self, username: str) -> Listener:
        """The account as its owner spells it. Unknown: NotFound."""
        ...

    async def recent_tracks(self, username: str, *, limit: int = 50, page: int = 1) -> Listening:
        """Newest first, with what is playing now. Hidden: PrivateProfile."""
        ...

    async def user_top_tracks(
        self, username: str, *, period: Period = Period.OVERALL, limit: int = 50, page: int = 1
    ) -> TrackList:
        """Most played first; `playcount` is the listener's own. Hidden: PrivateProfile."""
        ...

    # -- what mixes are made of --------------------------------------------------------------------------

    async def similar_tracks(self, artist: str, title: str, *, limit: int = 50) -> TrackList:
        """Tracks like this one, best `match` first (the seed itself excluded)."""
        ...

    async def similar_artists(self, artist: str, *, limit: int = 30) -> ArtistList: ...

    async def artist_top_tracks(self, artist: str, *, limit: int = 50, page: int = 1) -> TrackList: ...

    async def artist_top_tags(self, artist: str) -> TagList: ...

    async def tag_top_tracks(self, tag: str, *, limit: int = 50, page: int = 1) -> TrackList: ...

    async def top_tags(self, *, limit: int = 50, page: int = 1) -> TagList:
        """The most used tags: the vocabulary a mix can be asked for."""
        ...
