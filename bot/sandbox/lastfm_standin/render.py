"""Catalog mode: answers shaped like Last.fm's JSON, quirks included (numbers as strings, ms durations in
track.getInfo, seconds elsewhere, `#text`/`@attr`, a single recent track as an object, now playing on top)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote_plus

from bot.sandbox.lastfm_standin.catalog import Artist, Catalog, Track, User
from bot.sandbox.lastfm_standin.charts import ChartApi
from bot.sandbox.lastfm_standin.shapes import (
    BASE,
    ApiError,
    Reply,
    artist_ref,
    artist_url,
    autocorrect,
    date,
    image_list,
    need,
    number,
    paged,
    track_url,
)


class CatalogApi:
    """Last.fm read methods over a Catalog. `unknown_track` chooses between error 6 and Last.fm's stub."""

    def __init__(self, catalog: Catalog, *, unknown_track: str = "error") -> None:
        self.c = catalog
        self.unknown_track = unknown_track
        self.methods: dict[str, Callable[[Mapping[str, str]], Reply]] = {
            "track.search": self.track_search,
            "track.getInfo": self.track_get_info,
            "track.getSimilar": self.track_get_similar,
            "artist.getInfo": self.artist_get_info,
            "artist.getTopTracks": self.artist_get_top_tracks,
            "artist.getSimilar": self.artist_get_similar,
            "album.getInfo": self.album_get_info,
            "tag.getInfo": self.tag_get_info,
            "tag.getTopTracks": self.tag_get_top_tracks,
            "chart.getTopTracks": self.chart_get_top_tracks,
            "user.getInfo": self.user_get_info,
            "user.getRecentTracks": self.user_get_recent_tracks,
            "user.getLovedTracks": self.user_get_loved_tracks,
        }
        self.charts = ChartApi(catalog)
        self.methods.update(self.charts.methods)

    def handle(self, method: str, params: Mapping[str, str]) -> Reply:
        handler = next((h for name, h in self.methods.items() if name.lower() == method.lower()), None)
        if handler is None:
            raise ApiError(3, "Invalid Method - No method with that name in this package")
        return handler(params)

    # -- lookups that fail ---------------------------------------------------------------------------------

    def _artist(self, params: Mapping[str, str]) -> Artist:
        (name,) = need(params, "artist")
        artist = self.c.find_artist(name, autocorrect=autocorrect(params))
        if artist is None:
            raise ApiError(6, "The artist you supplied could not be found", 404)
        return artist

    def _user(self, params: Mapping[str, str], *, listening: bool) -> User:
        (name,) = need(params, "user")
        user = self.c.find_user(name)
        if user is None:
            raise ApiError(6, "User not found", 404)
        if listening and user.private:
            raise ApiError(17, "Login: User required to be logged in", 403)
        return user

    # -- track ---------------------------------------------------------------------------------------------

    def _search_item(self, t: Track) -> dict[str, Any]:
        a = self.c.artist_of(t)
        return {
            "name": t.name,
            "artist": a.name,
            "url": track_url(a, t),
            "streamable": "FIXME",
            "listeners": str(t.listeners),
            "image": image_list(f"t{t.id}"),
            "mbid": t.mbid,
        }

    def track_search(self, params: Mapping[str, str]) -> Reply:
        (query,) = need(params, "track")
        hits = self.c.search(query, params.get("artist") or None)
        chunk, attr = paged(hits, params, 30)
        start = (int(attr["page"]) - 1) * int(attr["perPage"])
        return 200, {
            "results": {
                "opensearch:Query": {"#text": "", "role": "request", "searchTerms": query, "startPage": attr["page"]},
                "opensearch:totalResults": attr["total"],
                "opensearch:startIndex": str(start),
                "opensearch:itemsPerPage": attr["perPage"],
                "trackmatches": {"track": [self._search_item(t) for t in chunk]},
                "@attr": {},
            }
        }

    def track_get_info(self, params: Mapping[str, str]) -> Reply:
        artist_name, title = need(params, "artist", "track")
        t = self.c.find_track(artist_name, title, autocorrect=autocorrect(params))
        if t is None:
            if self.unknown_track == "stub":
                url = f"{BASE}/music/{quote_plus(artist_name)}/_/{quote_plus(title)}"
                stub = {
                    "name": title,
                    "url": url,
                    "duration": "0",
                    "streamable": {"#text": "0", "fulltrack": "0"},
                    "listeners": "0",
                    "playcount": "0",
                    "artist": {"name": artist_name, "url": f"{BASE}/music/{quote_plus(artist_name)}"},
                    "toptags": {"tag": []},
                }
                return 200, {"track": stub}
            raise ApiError(6, "Track not found", 200)
        a = self.c.artist_of(t)
        body: dict[str, Any] = {
            "name": t.name,
            "mbid": t.mbid,
            "url": track_url(a, t),
            "duration": str(t.duration_s * 1000),
            "streamable": {"#text": "0", "fulltrack": "0"},
            "listeners": str(t.listeners),
            "playcount": str(t.playcount),
            "artist": artist_ref(a),
            "album": {
                "artist": a.name,
                "title": t.album,
                "mbid": "",
                "url": f"{artist_url(a)}/{quote_plus(t.album)}",
                "image": image_list(f"al{t.artist_id}-{a.albums.index(t.album)}"),
                "@attr": {"position": str(t.album_position)},
            },
            "toptags": {"tag": [{"name": tag, "url": f"{BASE}/tag/{quote_plus(tag)}"} for tag in t.tags]},
            "wiki": {"summary": f"{t.name} is a song by {a.name}.", "content": f"{t.name} is a song by {a.name}."},
        }
        if not t.mbid:
            del body["mbid"]
        if params.get("username"):
            user = self.c.find_user(params["username"])
            plays = dict(user.top).get(t.id, 0) if user else 0
            body["userplaycount"] = str(plays)
            body["userloved"] = "1" if user and t.id in dict(user.loved) else "0"
        return 200, {"track": body}

    def track_get_similar(self, params: Mapping[str, str]) -> Reply:
        artist_name, title = need(params, "artist", "track")
        limit = number(params, "limit", 100, 1000)
        t = self.c.find_track(artist_name, title, autocorrect=autocorrect(params))
        if t is None:  # Last.fm answers an unknown track with an empty list, not an error
            return 200, {"similartracks": {"track": [], "@attr": {"artist": artist_name}}}
        items = []
        for other, match in self.c.similar_tracks(t, limit):
            a = self.c.artist_of(other)
            items.append(
                {
                    "name": other.name,
                    "playcount": other.playcount,
                    "mbid": other.mbid,
                    "match": match,
                    "url": track_url(a, other),
                    "streamable": {"#text": "0", "fulltrack": "0"},
                    "duration": other.duration_s,
                    "artist": artist_ref(a),
                    "image": image_list(f"t{other.id}"),
                }
            )
        return 200, {"similartracks": {"track": items, "@attr": {"artist": self.c.artist_of(t).name}}}

    # -- artist / album / tag / chart ------------------------------------------------------------------------

    def artist_get_info(self, params: Mapping[str, str]) -> Reply:
        a = self._artist(params)
        stats = {"listeners": str(a.listeners), "playcount": str(a.playcount)}
        if params.get("username"):
            user = self.c.find_user(params["username"])
            plays = dict(user.top) if user else {}
            stats["userplaycount"] = str(sum(plays.get(tid, 0) for tid in a.track_ids))
        similar = [self.c.artists[aid] for aid, _ in a.similar[:5]]
        return 200, {
            "artist": {
                "name": a.name,
                "mbid": a.mbid,
                "url": artist_url(a),
                "image": image_list("2a96cbd8b46e442fc41c2b86b821562f"),
                "streamable": "0",
                "ontour": "0",
                "stats": stats,
                "similar": {
                    "artist": [{"name": s.name, "url": artist_url(s), "image": image_list("star")} for s in similar]
                },
                "tags": {"tag": [{"name": tag, "url": f"{BASE}/tag/{quote_plus(tag)}"} for tag in a.tags]},
                "bio": {"summary": f"{a.name} play {a.tags[0]}.", "content": f"{a.name} play {a.tags[0]}."},
            }
        }

    def artist_get_top_tracks(self, params: Mapping[str, str]) -> Reply:
        a = self._artist(params)
        tracks = [self.c.tracks[tid] for tid in a.track_ids]
        chunk, attr = paged(tracks, params)
        offset = (int(attr["page"]) - 1) * int(attr["perPage"])
        items = [
            {
                "name": t.name,
                "playcount": str(t.playcount),
                "listeners": str(t.listeners),
                "mbid": t.mbid,
                "url": track_url(a, t),
                "streamable": "0",
                "artist": artist_ref(a),
                "image": image_list(f"t{t.id}"),
                "@attr": {"rank": str(offset + i + 1)},
            }
            for i, t in enumerate(chunk)
        ]
        return 200, {"toptracks": {"track": items, "@attr": {"artist": a.name, **attr}}}

    def artist_get_similar(self, params: Mapping[str, str]) -> Reply:
        a = self._artist(params)
        limit = number(params, "limit", 30, 1000)
        items = [
            {
                "name": self.c.artists[aid].name,
                "mbid": self.c.artists[aid].mbid,
                "match": f"{match:g}",
                "url": artist_url(self.c.artists[aid]),
                "image": image_list("star"),
                "streamable": "0",
            }
            for aid, match in a.similar[:limit]
        ]
        return 200, {"similarartists": {"artist": items, "@attr": {"artist": a.name}}}

    def album_get_info(self, params: Mapping[str, str]) -> Reply:
        a = self._artist(params)
        (title,) = need(params, "album")
        album = next((al for al in a.albums if al.casefold() == title.strip().casefold()), None)
        if album is None:
            raise ApiError(6, "Album not found", 200)
        tracks = sorted(
            (self.c.tracks[t] for t in a.track_ids if self.c.tracks[t].album == album), key=lambda t: t.album_position
        )
        items = [
            {
                "name": t.name,
                "url": track_url(a, t),
                "duration": t.duration_s,
                "@attr": {"rank": t.album_position},
                "streamable": {"#text": "0", "fulltrack": "0"},
                "artist": artist_ref(a),
            }
            for t in tracks
        ]
        tags = {"tag": [{"name": tag, "url": f"{BASE}/tag/{quote_plus(tag)}"} for tag in a.tags[:2]]}
        return 200, {
            "album": {
                "name": album,
                "artist": a.name,
                "mbid": "",
                "url": f"{artist_url(a)}/{quote_plus(album)}",
                "image": image_list(f"al{a.id}"),
                "listeners": str(sum(t.listeners for t in tracks)),
                "playcount": str(sum(t.playcount for t in tracks)),
                "tracks": {"track": items[0] if len(items) == 1 else items},
                "tags": tags,
            }
        }

    def tag_get_info(self, params: Mapping[str, str]) -> Reply:
        (tag,) = need(params, "tag")
        tracks = self.c.tag_tracks(tag)
        return 200, {
            "tag": {
                "name": tag,
                "total": len(tracks),
                "reach": len({t.artist_id for t in tracks}),
                "wiki": {"summary": "", "content": ""},
            }
        }

    def _chart_items(self, tracks: list[Track], offset: int, *, with_counts: bool) -> list[dict[str, Any]]:
        items = []
        for i, t in enumerate(tracks):
            a = self.c.artist_of(t)
            item: dict[str, Any] = {
                "name": t.name,
                "duration": str(t.duration_s) if t.id % 4 else "0",  # Last.fm often does not know
                "mbid": t.mbid,
                "url": track_url(a, t),
                "streamable": {"#text": "0", "fulltrack": "0"},
                "artist": artist_ref(a),
                "image": image_list(f"t{t.id}"),
                "@attr": {"rank": str(offset + i + 1)},
            }
            if with_counts:
                item["playcount"], item["listeners"] = str(t.playcount), str(t.listeners)
            items.append(item)
        return items

    def tag_get_top_tracks(self, params: Mapping[str, str]) -> Reply:
        (tag,) = need(params, "tag")
        chunk, attr = paged(self.c.tag_tracks(tag), params)
        offset = (int(attr["page"]) - 1) * int(attr["perPage"])
        return 200, {
            "tracks": {"track": self._chart_items(chunk, offset, with_counts=False), "@attr": {"tag": tag, **attr}}
        }

    def chart_get_top_tracks(self, params: Mapping[str, str]) -> Reply:
        chunk, attr = paged(self.c.chart(), params)
        offset = (int(attr["page"]) - 1) * int(attr["perPage"])
        return 200, {"tracks": {"track": self._chart_items(chunk, offset, with_counts=True), "@attr": attr}}

    # -- user ----------------------------------------------------------------------------------------------

    def user_get_info(self, params: Mapping[str, str]) -> Reply:
        u = self._user(params, listening=False)
        return 200, {
            "user": {
                "name": u.name,
                "realname": u.realname,
                "url": f"{BASE}/user/{u.name}",
                "country": u.country,
                "playcount": str(u.playcount),
                "subscriber": "0",
                "type": "user",
                "image": image_list(f"u-{u.name}"),
                "registered": {"unixtime": str(u.registered), "#text": u.registered},
            }
        }

    def user_get_recent_tracks(self, params: Mapping[str, str]) -> Reply:
        u = self._user(params, listening=True)
        extended = params.get("extended") == "1"
        chunk, attr = paged(u.recent, params)
        loved = dict(u.loved)

        def item(tid: int, uts: int | None) -> dict[str, Any]:
            t = self.c.tracks[tid]
            a = self.c.artist_of(t)
            artist: dict[str, Any] = (
                {"url": artist_url(a), "name": a.name, "image": image_list("star"), "mbid": a.mbid}
                if extended
                else {"mbid": a.mbid, "#text": a.name}
            )
            d: dict[str, Any] = {
                "artist": artist,
                "streamable": "0",
                "image": image_list(f"t{t.id}"),
                "mbid": t.mbid,
                "album": {"mbid": "", "#text": t.album},
                "name": t.name,
                "url": track_url(a, t),
            }
            if extended:
                d["loved"] = "1" if tid in loved else "0"
            if uts is None:
                d["@attr"] = {"nowplaying": "true"}
            else:
                d["date"] = date(uts)
            return d

        items = [item(tid, uts) for tid, uts in chunk]
        if attr["page"] == "1" and u.now_playing is not None:  # added on top of `limit`, as Last.fm does
            items.insert(0, item(u.now_playing, None))
        body: dict[str, Any] = {"@attr": {"user": u.name, **attr}}
        if items:
            body["track"] = items[0] if len(items) == 1 else items  # one result is an object, not a list
        return 200, {"recenttracks": body}

    def user_get_loved_tracks(self, params: Mapping[str, str]) -> Reply:
        u = self._user(params, listening=True)
        chunk, attr = paged(u.loved, params)
        items = []
        for tid, uts in chunk:
            t = self.c.tracks[tid]
            a = self.c.artist_of(t)
            items.append(
                {
                    "artist": {"url": artist_url(a), "name": a.name, "mbid": a.mbid},
                    "mbid": t.mbid,
                    "date": date(uts),
                    "url": track_url(a, t),
                    "image": image_list(f"t{t.id}"),
                    "name": t.name,
                    "streamable": {"fulltrack": "0", "#text": "0"},
                }
            )
        return 200, {"lovedtracks": {"@attr": {"user": u.name, **attr}, "track": items}}
