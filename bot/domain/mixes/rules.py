"""The rules every mix obeys, whatever its source: no duplicate (by `text.track_key`), nothing the target
playlist already holds, at most N tracks per artist, no artist twice in a row, and a size by count or by length.
Deterministic for a given seed value: the same candidates and seed give the same mix."""

from __future__ import annotations

import functools
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.domain import text
from bot.domain.mixes.model import LENGTH_SLACK_S, Candidate, Pick, Size
from bot.domain.models import Track

PER_ARTIST = 2


def artist_key(track: Track) -> str:
    return _artist_key(track.artist)


@functools.lru_cache(maxsize=4096)
def _artist_key(artist: str) -> str:
    return text.artist_key(artist)


def merge(candidates: Iterable[Candidate]) -> dict[str, Candidate]:
    """One candidate per track key: scores add up, tiers add up, reasons and owners are kept together."""
    merged: dict[str, Candidate] = {}
    for c in candidates:
        have = merged.get(c.key)
        if have is None:
            merged[c.key] = Candidate(c.key, c.track, c.score, c.tier, list(c.reasons), set(c.owners))
            continue
        have.score += c.score
        have.tier += c.tier
        have.reasons.extend(c.reasons)
        have.owners |= c.owners
        if have.track.duration_s is None and c.track.duration_s:
            have.track = c.track
    return merged


def draw(candidates: Iterable[Candidate], rng: random.Random, *, by_tier: bool = True) -> list[Candidate]:
    """A weighted random order: the higher the score, the likelier early (Efraimidis-Spirakis keys), candidates
    of a higher tier first. Sorted by key before drawing so the result depends only on the seed."""
    ordered = sorted(candidates, key=lambda c: c.key)
    keyed = []
    for c in ordered:
        weight = max(c.score, 1e-6)
        keyed.append(((c.tier if by_tier else 0), rng.random() ** (1.0 / weight), c))
    keyed.sort(key=lambda k: (-k[0], -k[1], k[2].key))
    return [c for _, _, c in keyed]


@dataclass
class Picker:
    """Takes candidates in the order offered while they obey the rules, until the size is reached."""

    size: Size
    exclude: frozenset[str] = frozenset()
    per_artist: int = PER_ARTIST

    def __post_init__(self) -> None:
        self.picked: list[Candidate] = []
        self._keys: set[str] = set()
        self._artists: Counter[str] = Counter()
        self.total_s = 0

    @property
    def full(self) -> bool:
        if self.size.length_s is None:
            return len(self.picked) >= self.size.tracks
        return len(self.picked) >= self.size.max_tracks or self.total_s >= self.size.length_s - LENGTH_SLACK_S

    def offer(self, c: Candidate) -> bool:
        if self.full or c.key in self._keys or c.key in self.exclude:
            return False
        artist = artist_key(c.track)
        if self._artists[artist] >= self.per_artist:
            return False
        if self.size.length_s is not None:
            length = c.track.duration_s
            if not length or self.total_s + length > self.size.length_s + LENGTH_SLACK_S:
                return False  # unknown length can't be counted towards a length
            self.total_s += length
        self.picked.append(c)
        self._keys.add(c.key)
        self._artists[artist] += 1
        return True

    def take(self, candidates: Iterable[Candidate]) -> None:
        for c in candidates:
            if self.full:
                return
            self.offer(c)

    def shortfall(self) -> str | None:
        """Why the mix is smaller than asked, or None."""
        if self.full:
            return None
        if self.size.length_s is None:
            return f"Only {len(self.picked)} of {self.size.tracks} tracks could be found that fit the rules."
        got = round(self.total_s / 60)
        return f"Only {got} of {round(self.size.length_s / 60)} minutes could be found that fit the rules."


def spread(picked: Sequence[Candidate]) -> list[Candidate]:
    """The same tracks, reordered as little as possible so that no artist plays twice in a row."""
    rest = list(picked)
    out: list[Candidate] = []
    while rest:
        last = artist_key(out[-1].track) if out else None
        counts = Counter(artist_key(c.track) for c in rest)
        crowded, most = counts.most_common(1)[0]
        must = crowded if crowded != last and most * 2 > len(rest) else None  # else it can't be spread later

        artists = [artist_key(c.track) for c in rest]
        index = next((i for i, a in enumerate(artists) if a != last and must in (None, a)), 0)
        out.append(rest.pop(index))
    return out


def picks(candidates: Sequence[Candidate]) -> tuple[Pick, ...]:
    return tuple(Pick(c.track, tuple(c.reasons)) for c in spread(candidates))
