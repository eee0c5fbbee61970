"""What each kind of mix asks the music catalog, turned into scored candidates with their reasons.

Every function fans its independent lookups out at once through `Fan` and returns what it could get plus, in
words, what it could not (an unknown tag, a seed Last.fm doesn't know, a lookup that failed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain import text
from bot.domain.catalog import CatalogTrack, Listening, Period, TrackList
from bot.domain.errors import NotFound, SharifyError
from bot.domain.mixes.fan import Fan
from bot.domain.mixes.model import Candidate, Match, Reason, ReasonKind, Size
from bot.domain.models import Track
from bot.domain.ports.catalog import MusicCatalog

TAG_PAGE = 100  # at most this many tracks per tag.getTopTracks page
MIN_PAGE = 30
MIN_SIMILAR = 20
SIMILAR_LIMIT = 100
FALLBACK_ARTISTS = 6  # similar artists whose top tracks stand in for a track with too few similar tracks
FALLBACK_TRACKS = 10
TYPICAL_TRACK_S = 210


@dataclass
class Found:
    candidates: list[Candidate] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    errors: int = 0  # lookups that failed (not "unknown"): all failing means the catalog is down
    asked: int = 0
    widened: set[str] = field(default_factory=set)  # seed artists whose similar artists were read


def needed(size: Size) -> int:
    """About how many tracks the mix will hold."""
    if size.length_s is None:
        return size.tracks
    return min(size.max_tracks, math.ceil(size.length_s / TYPICAL_TRACK_S))


def _rank_score(rank: int) -> float:
    return 1.0 / (1.0 + (rank - 1) / 20.0)


def candidate(item: CatalogTrack | Track, score: float, reason: Reason) -> Candidate:
    track = item.track if isinstance(item, CatalogTrack) else item
    return Candidate(text.track_key(track), track, score, 1, [reason])


def _label(track: Track) -> str:
    return f"{track.artist} - {track.title}"


def _failure(e: SharifyError) -> bool:
    return not isinstance(e, NotFound)


# -- mood -----------------------------------------------------------------------------------------------------


async def mood(catalog: MusicCatalog, tags: Sequence[str], match: Match, size: Size, fan: Fan) -> Found:
    """The tags' top tracks: a track's score is its rank in each tag, summed; `all` ranks several tags first."""
    found = Found(asked=len(tags))
    pool = needed(size) * 3 if match is Match.ALL else math.ceil(needed(size) * 3 / len(tags))
    per_page = min(TAG_PAGE, max(MIN_PAGE, pool))  # no bigger a page than the mix can use: less to send and parse
    pages = max(1, math.ceil(pool / per_page))
    first = await fan.all([catalog.tag_top_tracks(t, limit=per_page, page=1) for t in tags], what="tags")
    more: list[tuple[str, int]] = []
    lists: dict[str, list[CatalogTrack]] = {}
    for tag, got in zip(tags, first, strict=True):
        if isinstance(got, SharifyError):
            found.errors += _failure(got)
            found.missing.append(f"tag {text.quoted(tag)} could not be read ({got.user_message})")
            continue
        if not got.tracks:
            found.missing.append(f"tag {text.quoted(tag)} is unknown to Last.fm (or has no tracks)")
            continue
        lists[tag] = list(got.tracks)
        last = min(pages, got.total_pages or 1)
        more += [(tag, p) for p in range(2, last + 1)]
    if more:
        rest = await fan.all([catalog.tag_top_tracks(t, limit=per_page, page=p) for t, p in more])
        for (tag, _), got in zip(more, rest, strict=True):
            if isinstance(got, TrackList):
                lists[tag] += got.tracks
            else:
                found.errors += _failure(got)
    for tag, tracks in lists.items():
        for rank, item in enumerate(tracks, start=1):
            found.candidates.append(candidate(item, _rank_score(rank), Reason(ReasonKind.TAG, tag, rank=rank)))
    return found


async def avoided_artists(catalog: MusicCatalog, artists: Sequence[str], avoid: Sequence[str], fan: Fan) -> set[str]:
    """The artists (as given) whose top tags include an avoided tag with real weight. An artist whose tags can't
    be read is kept."""
    unwanted = {text.name_key(a) for a in avoid}
    got = await fan.all([catalog.artist_top_tags(a) for a in artists])
    out = set()
    for artist, tags in zip(artists, got, strict=True):
        if isinstance(tags, SharifyError):
            continue
        strong = {text.name_key(t.name) for t in tags.tags[:10] if (t.count if t.count is not None else 100) >= 10}
        if strong & unwanted:
            out.add(artist)
    return out


# -- similar tracks (similar mixes and extend) ----------------------------------------------------------------


async def similar(catalog: MusicCatalog, seeds: Sequence[Track], size: Size, fan: Fan) -> Found:
    """Tracks similar to the seeds, `match` summed across seeds. A seed with too few similar tracks borrows the
    top tracks of its artist's similar artists."""
    found = Found(asked=len(seeds))
    want = max(10, math.ceil(needed(size) * 2 / max(1, len(seeds))))
    # About four candidates per place across the seeds: enough for the dedupe, artist cap and exclusions, and no
    # more to read (every track of an answer is parsed on the critical path).
    limit = min(SIMILAR_LIMIT, max(MIN_SIMILAR, want * 2))
    asks = [catalog.similar_tracks(s.artist, s.title, limit=limit) for s in seeds]
    answers = await fan.all(asks, what="seeds")
    thin: list[Track] = []
    for seed, got in zip(seeds, answers, strict=True):
        if isinstance(got, SharifyError):
            found.errors += _failure(got)
            found.missing.append(f"tracks like {text.quoted(_label(seed))} could not be read ({got.user_message})")
            continue
        for item in got.tracks:
            score = item.match if item.match is not None else 0.5
            found.candidates.append(candidate(item, score, Reason(ReasonKind.SIMILAR, _label(seed), score=score)))
        if len(got.tracks) < want:
            thin.append(seed)
    if thin:
        await widen(catalog, thin, fan, found)
    return found


async def widen(catalog: MusicCatalog, seeds: Sequence[Track], fan: Fan, found: Found) -> None:
    """Add the top tracks of the seeds' artists' similar artists."""
    artists = list(dict.fromkeys(s.artist for s in seeds if s.artist not in found.widened))
    found.widened |= set(artists)
    answers = await fan.all([catalog.similar_artists(a, limit=FALLBACK_ARTISTS) for a in artists])
    asks: list[tuple[str, str, float]] = []  # (seed artist, similar artist, match)
    for artist, got in zip(artists, answers, strict=True):
        if isinstance(got, SharifyError):
            found.errors += _failure(got)
            if isinstance(got, NotFound):
                found.missing.append(f"Last.fm doesn't know the artist {text.quoted(artist)}")
            continue
        asks += [(artist, a.name, a.match if a.match is not None else 0.5) for a in got.artists[:FALLBACK_ARTISTS]]
    if not asks:
        return
    tops = await fan.all([catalog.artist_top_tracks(name, limit=FALLBACK_TRACKS) for _, name, _ in asks])
    for (seed_artist, _, match), top in zip(asks, tops, strict=True):
        if isinstance(top, SharifyError):
            found.errors += _failure(top)
            continue
        for rank, item in enumerate(top.tracks, start=1):
            score = 0.6 * match * _rank_score(rank)
            found.candidates.append(candidate(item, score, Reason(ReasonKind.ARTIST, seed_artist, score=match)))


# -- members' listening (blend) -------------------------------------------------------------------------------


async def listening(
    catalog: MusicCatalog, members: Sequence[tuple[int, str]], period: Period, fan: Fan
) -> tuple[dict[int, list[Candidate]], dict[int, SharifyError]]:
    """Each member's top tracks for the period and recent plays, as that member's candidates."""
    inner = Fan(sequential=fan.sequential)

    async def read(username: str) -> tuple[TrackList, Listening]:
        top, recent = await inner.all(
            [catalog.user_top_tracks(username, period=period, limit=50), catalog.recent_tracks(username, limit=50)]
        )
        for got in (top, recent):
            if isinstance(got, SharifyError):
                raise got
        assert isinstance(top, TrackList) and isinstance(recent, Listening)
        return top, recent

    answers = await fan.all([read(name) for _, name in members], what="members")
    fan.stale = fan.stale or inner.stale
    out: dict[int, list[Candidate]] = {}
    failed: dict[int, SharifyError] = {}
    for (uid, _), got in zip(members, answers, strict=True):
        if isinstance(got, SharifyError):
            failed[uid] = got
            continue
        top, recent = got
        mine: list[Candidate] = []
        reason = Reason(ReasonKind.LISTENER, user_ids=(uid,))
        for rank, item in enumerate(top.tracks, start=1):
            mine.append(candidate(item, _rank_score(rank), reason))
        for item in recent.tracks:
            mine.append(candidate(item, 0.15, reason))
        for c in mine:
            c.owners = {uid}
        out[uid] = mine
    return out, failed
