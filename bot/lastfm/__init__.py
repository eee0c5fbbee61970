"""Discord-free Last.fm access: an async client with caching, rate limiting and typed, friendly errors."""

from bot.domain.clock import Clock, SystemClock
from bot.lastfm.client import LastfmClient
from bot.lastfm.errors import (
    LastfmAuthError,
    LastfmConfigError,
    LastfmError,
    LastfmInvalidRequest,
    LastfmNotFound,
    LastfmPrivateProfile,
    LastfmProtocolError,
    LastfmRateLimited,
    LastfmUnavailable,
)
from bot.lastfm.models import (
    AlbumInfo,
    ArtistInfo,
    ArtistItem,
    Result,
    SimilarArtists,
    SimilarTracks,
    TagInfo,
    TagItem,
    TagPage,
    TrackInfo,
    TrackItem,
    TrackPage,
    UserInfo,
    to_track,
)
from bot.lastfm.transport import USER_AGENT, RetryPolicy

__all__ = [
    "USER_AGENT",
    "AlbumInfo",
    "ArtistInfo",
    "ArtistItem",
    "Clock",
    "LastfmAuthError",
    "LastfmClient",
    "LastfmConfigError",
    "LastfmError",
    "LastfmInvalidRequest",
    "LastfmNotFound",
    "LastfmPrivateProfile",
    "LastfmProtocolError",
    "LastfmRateLimited",
    "LastfmUnavailable",
    "Result",
    "RetryPolicy",
    "SimilarArtists",
    "SimilarTracks",
    "SystemClock",
    "TagInfo",
    "TagItem",
    "TagPage",
    "TrackInfo",
    "TrackItem",
    "TrackPage",
    "UserInfo",
    "to_track",
]
