"""JSPF as ListenBrainz writes it: {"playlist": {"title", "creator", "date", "annotation", "track": [...]}}, each
track with title, creator, album, duration (ms), identifier (a list; the MusicBrainz recording URL when known), info
(the Last.fm page) and the ListenBrainz track extension carrying added_by / added_at."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.formats.common import (
    JSPF_TRACK_EXTENSION,
    Counter,
    added_at_text,
    added_label,
    lastfm_track,
    lastfm_url,
    mbid_from,
    mbid_identifier,
    parse_datetime,
    seconds_from_ms,
)
from bot.domain.formats.model import (
    ExportTrack,
    Format,
    ImportedEntry,
    MalformedFile,
    NotAPlaylist,
    PlaylistFile,
    Skipped,
)
from bot.domain.formats.text import fold, fold_or_none
from bot.domain.models import Track


def write(name: str, description: str, tracks: Sequence[ExportTrack], *, creator: str, date: datetime | None) -> bytes:
    items: list[dict[str, Any]] = []
    for entry in tracks:
        t = entry.track
        item: dict[str, Any] = {"title": fold(t.title), "creator": fold(t.artist)}
        if t.album and fold(t.album):
            item["album"] = fold(t.album)
        if t.duration_s is not None:
            item["duration"] = t.duration_s * 1000
        item["identifier"] = [mbid_identifier(t.mbid)] if t.mbid else []
        if t.url:
            item["info"] = t.url
        ext = {k: v for k, v in (("added_by", added_label(entry)), ("added_at", added_at_text(entry))) if v}
        if ext:
            item["extension"] = {JSPF_TRACK_EXTENSION: ext}
        items.append(item)
    playlist: dict[str, Any] = {"title": fold(name), "creator": fold(creator)}
    if fold(description):
        playlist["annotation"] = fold(description)
    if date:
        playlist["date"] = date.isoformat()
    playlist["track"] = items
    return json.dumps({"playlist": playlist}, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"


def _identifiers(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _entry(item: object, index: int) -> ImportedEntry | Skipped:
    if not isinstance(item, dict):
        return Skipped(line=index, reason="the track is not a JSON object")
    title, artist = fold_or_none(item.get("title")), fold_or_none(item.get("creator"))
    locations = _identifiers(item.get("location"))
    info = item.get("info")
    url = lastfm_url(info if isinstance(info, str) else None) or next(
        (u for u in map(lastfm_url, locations) if u), None
    )
    if (not title or not artist) and url:
        artist, title = lastfm_track(url) or (artist, title)
    if not title or not artist:
        return Skipped(line=index, reason="the track has no title or no creator")
    extensions = item.get("extension")
    ext = extensions.get(JSPF_TRACK_EXTENSION) if isinstance(extensions, dict) else None
    ext = ext if isinstance(ext, dict) else {}
    return ImportedEntry(
        track=Track(
            artist=artist,
            title=title,
            album=fold_or_none(item.get("album")),
            duration_s=seconds_from_ms(item.get("duration")),
            mbid=next((m for m in map(mbid_from, _identifiers(item.get("identifier"))) if m), None),
            url=url,
        ),
        line=index,
        added_by=fold_or_none(ext.get("added_by")),
        added_at=parse_datetime(ext.get("added_at")),
    )


def read(text: str, *, max_tracks: int) -> PlaylistFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedFile(f"The JSON is malformed: {exc.msg}", line=exc.lineno) from exc
    except RecursionError as exc:
        raise MalformedFile("The JSON is nested too deeply.") from exc
    playlist = doc.get("playlist") if isinstance(doc, dict) else None
    if not isinstance(playlist, dict):
        raise NotAPlaylist('The JSON file has no "playlist" object, so it is not a JSPF playlist.')
    tracks = playlist.get("track", [])
    if not isinstance(tracks, list):
        raise MalformedFile('The JSPF "track" value is not a list.')
    counter = Counter(max_tracks)
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    for index, item in enumerate(tracks, start=1):
        counter.add()
        result = _entry(item, index)
        if isinstance(result, Skipped):
            skipped.append(result)
        else:
            entries.append(result)
    return PlaylistFile(
        name=fold_or_none(playlist.get("title")),
        description=fold_or_none(playlist.get("annotation")),
        format=Format.JSPF,
        entries=tuple(entries),
        skipped=tuple(skipped),
    )
