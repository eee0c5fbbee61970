"""What a mix is asked for and what it gives back: plain values, no Discord."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.catalog import Period
from bot.domain.models import Track

MAX_TRACKS = 100
DEFAULT_TRACKS = 25
MAX_LENGTH_S = 8 * 3600
LENGTH_SLACK_S = 180  # a mix by length lands within three minutes of it

Progress = Callable[[str], Awaitable[None]]


class Match(StrEnum):
    ANY = "any"  # a track of any of the tags
    ALL = "all"  # tracks strong in several tags first


@dataclass(frozen=True)
class Size:
    """How big a mix is: a number of tracks, or a total length in seconds (then at most MAX_TRACKS tracks)."""

    tracks: int = DEFAULT_TRACKS
    length_s: int | None = None

    @property
    def max_tracks(self) -> int:
        return MAX_TRACKS if self.length_s is not None else self.tracks

    def describe(self) -> str:
        if self.length_s is None:
            return f"{self.tracks} tracks"
        return f"{round(self.length_s / 60)} minutes"


@dataclass(frozen=True)
class MoodInputs:
    tags: tuple[str, ...]
    avoid: tuple[str, ...] = ()
    match: Match = Match.ANY
    size: Size = Size()


@dataclass(frozen=True)
class SimilarInputs:
    seeds: tuple[Track, ...]
    size: Size = Size()


@dataclass(frozen=True)
class BlendInputs:
    guild_id: int
    user_ids: tuple[int, ...]
    period: Period = Period.OVERALL
    size: Size = Size()


@dataclass(frozen=True)
class ExtendInputs:
    guild_id: int
    playlist: str
    count: int = 10


MixInputs = MoodInputs | SimilarInputs | BlendInputs | ExtendInputs


class ReasonKind(StrEnum):
    TAG = "tag"  # subject = tag, rank
    SIMILAR = "similar"  # subject = "Artist - Title" of a seed, score = match
    ARTIST = "artist"  # subject = the seed's artist; score = the similar artist's match
    LISTENER = "listener"  # user_ids: whose top or recent tracks hold it


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    subject: str = ""
    rank: int | None = None
    score: float | None = None
    user_ids: tuple[int, ...] = ()

    def text(self) -> str:
        """Plain text (the audit log keeps it with a saved track); the cog renders its own, escaped."""
        match self.kind:
            case ReasonKind.TAG:
                return f"tag {self.subject} #{self.rank}"
            case ReasonKind.SIMILAR:
                return f"similar to {self.subject} ({self.score:.2f})"
            case ReasonKind.ARTIST:
                return f"artist like {self.subject} ({self.score:.2f})"
            case ReasonKind.LISTENER:
                who = " and ".join(f"<@{u}>" for u in self.user_ids)
                return f"in {who}'s listening"


@dataclass
class Candidate:
    """A track a source proposes: `score` ranks it, `tier` puts it ahead (shared by several tags, seeds or
    members), `reasons` say why."""

    key: str
    track: Track
    score: float = 0.0
    tier: int = 1
    reasons: list[Reason] = field(default_factory=list)
    owners: set[int] = field(default_factory=set)  # blend: members whose listening holds it


@dataclass(frozen=True)
class Pick:
    track: Track
    reasons: tuple[Reason, ...]

    def reason_text(self) -> str:
        return "; ".join(r.text() for r in self.reasons[:3])


@dataclass(frozen=True)
class Skipped:
    """A member left out of a blend, and why ("not linked", "no consent", "private profile", ...)."""

    user_id: int
    why: str


@dataclass(frozen=True)
class Mix:
    inputs: MixInputs
    seed: int
    picks: tuple[Pick, ...]
    missing: tuple[str, ...] = ()  # what could not be used, in words; user values marked with text.quoted
    short: str | None = None  # why the mix is smaller than asked, if it is
    used: tuple[int, ...] = ()  # blend: members whose listening went in
    skipped: tuple[Skipped, ...] = ()
    title: str = "Mix"
    stale: bool = False

    @property
    def total_s(self) -> int:
        return sum(p.track.duration_s or 0 for p in self.picks)

    @property
    def unknown_lengths(self) -> int:
        return sum(1 for p in self.picks if not p.track.duration_s)
