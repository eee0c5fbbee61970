"""Catalog mode, rankings: tag rankings (artist.getTopTags, tag.getTopTags, chart.getTopTags) and a member's
top tracks per period (user.getTopTracks), shaped like Last.fm's JSON and deterministic from the catalog's seed.

Shapes follow the community docs' examples (lastfm-docs/api-docs: artist/getTopTags.md, tag/getTopTags.md,
chart/getTopTags.md): `toptags` with `count` as a JSON number and `@attr.artist`; `toptags` with
`@attr.offset/num_res/total` as numbers; `tags` with `reach`/`taggings` as strings and string paging.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote_plus

from bot.sandbox.lastfm_standin.catalog import TAGS, Artist, Catalog, User, norm
from bot.sandbox.lastfm_standin.shapes import (
    BASE,
    ApiError,
    Reply,
    artist_url,
    autocorrect,
    image_list,
    need,
    paged,
    track_url,
)

# share of the all-time plays that falls in each period, and the chance a favourite was played in it at all
PERIODS: dict[str, tuple[float, float]] = {
    "7day": (0.04, 0.25),
    "1month": (0.12, 0.45),
    "3month": (0.3, 0.65),
    "6month": (0.5, 0.8),
    "12month": (0.75, 0.9),
}


def _tag_url(tag: str) -> str:
    return f"{BASE}/tag/{quote_plus(tag)}"


class ChartApi:
    def __init__(self, catalog: Catalog) -> None:
        self.c = catalog
        self.methods: dict[str, Callable[[Mapping[str, str]], Reply]] = {
            "artist.getTopTags": self.artist_get_top_tags,
            "tag.getTopTags": self.tag_get_top_tags,
            "chart.getTopTags": self.chart_get_top_tags,
            "user.getTopTracks": self.user_get_top_tracks,
        }
        self._ranking = self._tag_ranking()

    def _tag_ranking(self) -> list[tuple[str, int, int]]:
        """(tag, taggings, reach): taggings = tracks and artists carrying it, reach = artists carrying it."""
        rows = []
        for tag in TAGS:
            artists = sum(1 for a in self.c.artists if tag in a.tags)
            tracks = sum(1 for t in self.c.tracks if tag in t.tags)
            rows.append((tag, (artists + tracks) * 137, artists * 41))
        return sorted(rows, key=lambda r: (-r[1], r[0]))

    # -- tags ----------------------------------------------------------------------------------------------

    def artist_get_top_tags(self, params: Mapping[str, str]) -> Reply:
        (name,) = need(params, "artist")
        artist = self.c.find_artist(name, autocorrect=autocorrect(params))
        if artist is None:  # Last.fm answers this one with HTTP 200 (docs: artist/getTopTags.md)
            raise ApiError(6, "The artist you supplied could not be found", 200)
        items = [{"count": count, "name": tag, "url": _tag_url(tag)} for tag, count in self.artist_tags(artist)]
        return 200, {"toptags": {"tag": items, "@attr": {"artist": artist.name}}}

    def artist_tags(self, artist: Artist) -> list[tuple[str, int]]:
        """The artist's tags with Last.fm's relative weights: the first 100, the rest lower, never increasing."""
        rng = random.Random(self.c.seed * 7_919 + artist.id)
        weights, weight = [], 100
        for i, tag in enumerate(artist.tags):
            if i:
                weight = max(1, int(weight * rng.uniform(0.35, 0.9)))
            weights.append((tag, weight))
        return weights

    def tag_get_top_tags(self, params: Mapping[str, str]) -> Reply:
        rows = self._ranking[:50]
        items = [{"name": tag, "count": taggings, "reach": reach} for tag, taggings, reach in rows]
        return 200, {"toptags": {"@attr": {"offset": 0, "num_res": 50, "total": len(self._ranking)}, "tag": items}}

    def chart_get_top_tags(self, params: Mapping[str, str]) -> Reply:
        chunk, attr = paged(self._ranking, params)
        items = [
            {
                "name": tag,
                "url": _tag_url(tag),
                "reach": str(reach),
                "taggings": str(taggings),
                "streamable": "1",
                "wiki": {},
            }
            for tag, taggings, reach in chunk
        ]
        return 200, {"tags": {"tag": items, "@attr": attr}}

    # -- a member's charts -----------------------------------------------------------------------------------

    def _user(self, params: Mapping[str, str]) -> User:
        (name,) = need(params, "user")
        user = self.c.find_user(name)
        if user is None:
            raise ApiError(6, "User not found", 404)
        if user.private:
            raise ApiError(17, "Login: User required to be logged in", 403)
        return user

    def top_for(self, user: User, period: str) -> list[tuple[int, int]]:
        """(track id, plays) most played first: all time, or a seeded share of it for a shorter period."""
        if period not in PERIODS:
            return user.top
        share, kept = PERIODS[period]
        index = sorted(self.c.users).index(user.name)
        rng = random.Random(f"{self.c.seed}:{index}:{period}")
        out = []
        for tid, plays in user.top:
            if rng.random() < kept:
                out.append((tid, max(1, round(plays * share * rng.uniform(0.5, 1.5)))))
        return sorted(out, key=lambda p: (-p[1], p[0]))

    def user_get_top_tracks(self, params: Mapping[str, str]) -> Reply:
        u = self._user(params)
        period = norm(params.get("period", "")) or "overall"
        chunk, attr = paged(self.top_for(u, period), params)
        offset = (int(attr["page"]) - 1) * int(attr["perPage"])
        items: list[dict[str, Any]] = []
        for i, (tid, plays) in enumerate(chunk):
            t = self.c.tracks[tid]
            a = self.c.artist_of(t)
            items.append(
                {
                    "@attr": {"rank": str(offset + i + 1)},
                    "duration": str(t.duration_s),
                    "playcount": str(plays),
                    "artist": {"url": artist_url(a), "name": a.name, "mbid": a.mbid},
                    "image": image_list(f"t{t.id}"),
                    "streamable": {"fulltrack": "0", "#text": "0"},
                    "mbid": t.mbid,
                    "name": t.name,
                    "url": track_url(a, t),
                }
            )
        return 200, {"toptracks": {"@attr": {"user": u.name, **attr}, "track": items}}
