"""Turn decoded Last.fm JSON into normalized models, and detect error bodies (which may come with HTTP 200)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from bot.lastfm.errors import LastfmError, LastfmProtocolError, error_for_code
from bot.lastfm.models import (
    AlbumInfo,
    ArtistInfo,
    ArtistItem,
    LastfmModel,
    SimilarArtists,
    SimilarTracks,
    TagInfo,
    TagItem,
    TagPage,
    TrackInfo,
    TrackItem,
    TrackPage,
    UserInfo,
)
from bot.lastfm.normalize import (
    as_list,
    attrs,
    duration_s,
    flag,
    images,
    mbid,
    obj,
    tag_names,
    text,
    to_float,
    to_int,
    unix_time,
)

Unit = Literal["ms", "s"]


def api_error(
    payload: Any, *, method: str | None = None, params: Mapping[str, str] | None = None
) -> LastfmError | None:
    """The typed error if `payload` is an error body `{"error": N, "message": ...}`, else None."""
    if not isinstance(payload, dict) or "error" not in payload:
        return None
    code = to_int(payload.get("error"))
    message = text(payload.get("message")) or ""
    if code is None:
        return LastfmProtocolError(f"unreadable error body: {message}", method=method)
    return error_for_code(code, message, method=method, params=params)


def _root(payload: Any, *keys: str) -> dict[str, Any]:
    if isinstance(payload, dict):
        for key in keys:
            if isinstance(payload.get(key), dict):
                return payload[key]
    raise LastfmProtocolError(f"response has no {'/'.join(keys)} object")


def _artist_fields(value: Any) -> tuple[str | None, str | None, str | None]:
    """Artist as a string, `{"#text", "mbid"}` (recent tracks) or `{"name", "mbid", "url"}`."""
    if isinstance(value, dict):
        return text(value.get("name", value.get("#text"))), mbid(value.get("mbid")), text(value.get("url"))
    return text(value), None, None


def track_item(d: dict[str, Any], *, unit: Unit = "s") -> TrackItem | None:
    name = text(d.get("name"))
    artist, artist_mbid, artist_url = _artist_fields(d.get("artist"))
    if not name or not artist:
        return None
    album = d.get("album")
    a = obj(d.get("@attr"))
    date = d.get("date")
    loved = d.get("loved")
    return TrackItem(
        name=name,
        artist=artist,
        artist_mbid=artist_mbid,
        artist_url=artist_url,
        album=text(album),
        album_mbid=mbid(album.get("mbid")) if isinstance(album, dict) else None,
        mbid=mbid(d.get("mbid")),
        url=text(d.get("url")),
        duration_s=duration_s(d.get("duration"), unit),
        playcount=to_int(d.get("playcount")),
        listeners=to_int(d.get("listeners")),
        match=to_float(d.get("match")),
        rank=to_int(a.get("rank")),
        images=images(d.get("image")),
        now_playing=flag(a.get("nowplaying")),
        played_at=None if flag(a.get("nowplaying")) else unix_time(date),
        loved=None if loved is None else flag(loved),
    )


def _tracks(container: dict[str, Any], *, unit: Unit = "s") -> list[TrackItem]:
    items = (track_item(d, unit=unit) for d in as_list(container.get("track")))
    return [t for t in items if t is not None]


def _page(container: dict[str, Any], tracks: list[TrackItem]) -> TrackPage:
    a = attrs(container)
    return TrackPage(
        tracks=tracks,
        page=to_int(a.get("page")),
        per_page=to_int(a.get("perPage")),
        total_pages=to_int(a.get("totalPages")),
        total=to_int(a.get("total")),
        user=text(a.get("user")),
        query=text(a.get("tag")) or text(a.get("artist")),
    )


def parse_track_search(payload: Any) -> TrackPage:
    r = _root(payload, "results")
    query = obj(r.get("opensearch:Query"))
    per_page = to_int(r.get("opensearch:itemsPerPage"))
    start = to_int(r.get("opensearch:startIndex")) or 0
    total = to_int(r.get("opensearch:totalResults"))
    return TrackPage(
        tracks=_tracks(obj(r.get("trackmatches"))),
        page=to_int(query.get("startPage")) or ((start // per_page) + 1 if per_page else 1),
        per_page=per_page,
        total=total,
        total_pages=-(-total // per_page) if total is not None and per_page else None,
        query=text(query.get("searchTerms")) or text(obj(r.get("@attr")).get("for")),
    )


def parse_track_info(payload: Any) -> TrackInfo:
    t = _root(payload, "track")
    artist, artist_mbid, artist_url = _artist_fields(t.get("artist"))
    album = obj(t.get("album"))
    return TrackInfo(
        name=text(t.get("name")) or "",
        artist=artist or "",
        artist_mbid=artist_mbid,
        artist_url=artist_url,
        mbid=mbid(t.get("mbid")),
        url=text(t.get("url")),
        duration_s=duration_s(t.get("duration"), "ms"),
        listeners=to_int(t.get("listeners")),
        playcount=to_int(t.get("playcount")),
        album=text(album.get("title")) if album else None,
        album_mbid=mbid(album.get("mbid")),
        album_url=text(album.get("url")),
        album_position=to_int(obj(album.get("@attr")).get("position")),
        images=images(album.get("image")),
        tags=tag_names(t.get("toptags")),
        user_playcount=to_int(t.get("userplaycount")),
        user_loved=flag(t["userloved"]) if "userloved" in t else None,
        summary=text(obj(t.get("wiki")).get("summary")),
    )


def parse_track_similar(payload: Any) -> SimilarTracks:
    r = _root(payload, "similartracks")
    a = obj(r.get("@attr"))
    return SimilarTracks(artist=text(a.get("artist")), track=text(a.get("track")), tracks=_tracks(r))


def _artist_item(d: dict[str, Any]) -> ArtistItem | None:
    name = text(d.get("name"))
    if not name:
        return None
    return ArtistItem(
        name=name,
        mbid=mbid(d.get("mbid")),
        url=text(d.get("url")),
        match=to_float(d.get("match")),
        listeners=to_int(d.get("listeners")),
        images=images(d.get("image")),
    )


def _artists(container: Any) -> list[ArtistItem]:
    items = (_artist_item(d) for d in as_list(obj(container).get("artist")))
    return [a for a in items if a is not None]


def parse_artist_similar(payload: Any) -> SimilarArtists:
    r = _root(payload, "similarartists")
    return SimilarArtists(artist=text(obj(r.get("@attr")).get("artist")), artists=_artists(r))


def parse_artist_info(payload: Any) -> ArtistInfo:
    a = _root(payload, "artist")
    stats = obj(a.get("stats"))
    return ArtistInfo(
        name=text(a.get("name")) or "",
        mbid=mbid(a.get("mbid")),
        url=text(a.get("url")),
        listeners=to_int(stats.get("listeners")),
        playcount=to_int(stats.get("playcount")),
        user_playcount=to_int(stats.get("userplaycount")),
        on_tour=flag(a.get("ontour")),
        tags=tag_names(a.get("tags")),
        similar=_artists(a.get("similar")),
        summary=text(obj(a.get("bio")).get("summary")),
        images=images(a.get("image")),
    )


def parse_top_tracks(payload: Any) -> TrackPage:
    """artist/user/tag/chart top tracks: root `toptracks` or `tracks`; durations (when present) in seconds."""
    r = _root(payload, "toptracks", "tracks")
    return _page(r, _tracks(r, unit="s"))


def parse_recent_tracks(payload: Any) -> TrackPage:
    r = _root(payload, "recenttracks")
    return _page(r, _tracks(r))


def parse_loved_tracks(payload: Any) -> TrackPage:
    r = _root(payload, "lovedtracks")
    tracks = []
    for d in as_list(r.get("track")):
        item = track_item(d)
        if item is not None:
            tracks.append(
                item.model_copy(update={"loved": True, "played_at": None, "loved_at": unix_time(d.get("date"))})
            )
    return _page(r, tracks)


def parse_user_info(payload: Any) -> UserInfo:
    u = _root(payload, "user")
    country = text(u.get("country"))
    return UserInfo(
        name=text(u.get("name")) or "",
        realname=text(u.get("realname")),
        url=text(u.get("url")),
        country=None if country in {None, "None"} else country,
        playcount=to_int(u.get("playcount")),
        registered_at=unix_time(u.get("registered")),
        subscriber=flag(u.get("subscriber")),
        type=text(u.get("type")),
        images=images(u.get("image")),
    )


def parse_album_info(payload: Any) -> AlbumInfo:
    a = _root(payload, "album")
    return AlbumInfo(
        name=text(a.get("name")) or "",
        artist=text(a.get("artist")) or "",
        mbid=mbid(a.get("mbid")),
        url=text(a.get("url")),
        listeners=to_int(a.get("listeners")),
        playcount=to_int(a.get("playcount")),
        user_playcount=to_int(a.get("userplaycount")),
        tags=tag_names(a.get("tags")),
        tracks=_tracks(obj(a.get("tracks")), unit="s"),
        images=images(a.get("image")),
    )


def parse_tag_info(payload: Any) -> TagInfo:
    t = _root(payload, "tag")
    return TagInfo(
        name=text(t.get("name")) or "",
        total=to_int(t.get("total")),
        reach=to_int(t.get("reach")),
        summary=text(obj(t.get("wiki")).get("summary")),
    )


def _tag_item(d: Any) -> TagItem | None:
    if not isinstance(d, dict):
        return None
    name = text(d.get("name"))
    if not name:
        return None
    count = d.get("count", d.get("taggings"))  # artist/tag.getTopTags say count, chart.getTopTags taggings
    return TagItem(name=name, url=text(d.get("url")), count=to_int(count), reach=to_int(d.get("reach")))


def parse_top_tags(payload: Any) -> TagPage:
    """artist.getTopTags and tag.getTopTags (root `toptags`) or chart.getTopTags (root `tags`). Paging: chart
    has page/perPage/totalPages/total; tag.getTopTags has offset/num_res/total (JSON numbers); artist none."""
    r = _root(payload, "toptags", "tags")
    items = (_tag_item(d) for d in as_list(r.get("tag")))
    tags = [t for t in items if t is not None]
    a = attrs(r)
    per_page = to_int(a.get("perPage")) or to_int(a.get("num_res"))
    total = to_int(a.get("total"))
    page = to_int(a.get("page"))
    offset = to_int(a.get("offset"))
    if page is None and offset is not None and per_page:
        page = offset // per_page + 1
    total_pages = to_int(a.get("totalPages"))
    if total_pages is None and total is not None and per_page:
        total_pages = -(-total // per_page)
    return TagPage(
        tags=tags,
        page=page,
        per_page=per_page,
        total_pages=total_pages,
        total=total,
        artist=text(a.get("artist")),
    )


PARSERS: dict[str, Callable[[Any], LastfmModel]] = {
    "track.search": parse_track_search,
    "track.getInfo": parse_track_info,
    "track.getSimilar": parse_track_similar,
    "artist.getInfo": parse_artist_info,
    "artist.getTopTracks": parse_top_tracks,
    "artist.getSimilar": parse_artist_similar,
    "album.getInfo": parse_album_info,
    "tag.getInfo": parse_tag_info,
    "tag.getTopTracks": parse_top_tracks,
    "chart.getTopTracks": parse_top_tracks,
    "artist.getTopTags": parse_top_tags,
    "tag.getTopTags": parse_top_tags,
    "chart.getTopTags": parse_top_tags,
    "user.getInfo": parse_user_info,
    "user.getRecentTracks": parse_recent_tracks,
    "user.getTopTracks": parse_top_tracks,
    "user.getLovedTracks": parse_loved_tracks,
}

MODELS: dict[str, type[LastfmModel]] = {
    "track.search": TrackPage,
    "track.getInfo": TrackInfo,
    "track.getSimilar": SimilarTracks,
    "artist.getInfo": ArtistInfo,
    "artist.getTopTracks": TrackPage,
    "artist.getSimilar": SimilarArtists,
    "album.getInfo": AlbumInfo,
    "tag.getInfo": TagInfo,
    "tag.getTopTracks": TrackPage,
    "chart.getTopTracks": TrackPage,
    "artist.getTopTags": TagPage,
    "tag.getTopTags": TagPage,
    "chart.getTopTags": TagPage,
    "user.getInfo": UserInfo,
    "user.getRecentTracks": TrackPage,
    "user.getTopTracks": TrackPage,
    "user.getLovedTracks": TrackPage,
}


def parse(method: str, payload: Any, *, params: Mapping[str, str] | None = None) -> LastfmModel:
    """Raise the typed error for an error body, else the normalized model for `method`."""
    err = api_error(payload, method=method, params=params)
    if err is not None:
        raise err
    try:
        parser = PARSERS[method]
    except KeyError:
        raise LastfmProtocolError(f"no parser for {method}", method=method) from None
    try:
        return parser(payload)
    except LastfmProtocolError as e:
        e.method = method
        raise
