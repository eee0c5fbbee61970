"""XSPF version 1 (http://xspf.org/ns/0/): writer and streaming reader.

Written per track, in the order the specification fixes: identifier (MusicBrainz recording), title, creator,
annotation ("Added by ... on ..."), info (the Last.fm page), album, duration (ms), one link per platform search
(rel = the platform's address), and meta for who added it and when.
Read with defusedxml: a file that declares entities or refers outside itself is refused before anything is expanded
or fetched. Tracks are read one at a time and the file is refused as soon as there are more than the limit.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET  # types and errors only; parsing goes through defusedxml
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

import defusedxml
import defusedxml.ElementTree as SafeET

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
    UnsafeFile,
)
from bot.domain.formats.text import fold, fold_or_none
from bot.domain.links import search_links
from bot.domain.models import Track

NS = "http://xspf.org/ns/0/"
ADDED_BY_REL = f"{JSPF_TRACK_EXTENSION}/added_by"
ADDED_AT_REL = f"{JSPF_TRACK_EXTENSION}/added_at"
_Q = "{" + NS + "}"
_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def _el(out: list[str], indent: str, tag: str, text: str | None, rel: str | None = None) -> None:
    if text:
        attrs = f" rel={quoteattr(rel)}" if rel else ""
        out.append(f"{indent}<{tag}{attrs}>{escape(text)}</{tag}>\n")


def write(
    name: str,
    description: str,
    tracks: Sequence[ExportTrack],
    *,
    creator: str,
    date: datetime | None,
    with_links: bool = True,
) -> bytes:
    """Written as text (every value escaped, folded so it holds no character XML forbids): a tree of 10,000
    tracks with their links took seconds to build and indent."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<playlist version="1" xmlns="{NS}">\n']
    _el(out, "  ", "title", fold(name))
    _el(out, "  ", "creator", fold(creator))
    _el(out, "  ", "annotation", fold(description))
    _el(out, "  ", "date", date.isoformat() if date else None)
    out.append("  <trackList>\n")
    pad = "      "
    for entry in tracks:
        t = entry.track
        out.append("    <track>\n")
        _el(out, pad, "identifier", mbid_identifier(t.mbid) if t.mbid else None)
        _el(out, pad, "title", fold(t.title))
        _el(out, pad, "creator", fold(t.artist))
        who, when = added_label(entry), added_at_text(entry)
        if who or when:
            _el(out, pad, "annotation", "Added" + (f" by {who}" if who else "") + (f" on {when}" if when else ""))
        _el(out, pad, "info", fold(t.url) if t.url else None)
        _el(out, pad, "album", fold(t.album) if t.album else None)
        _el(out, pad, "duration", str(t.duration_s * 1000) if t.duration_s is not None else None)
        for platform, url in search_links(t) if with_links else ():
            _el(out, pad, "link", url, rel=platform.home)
        _el(out, pad, "meta", who, rel=ADDED_BY_REL)
        _el(out, pad, "meta", when, rel=ADDED_AT_REL)
        out.append("    </track>\n")
    out.append("  </trackList>\n</playlist>\n")
    return "".join(out).encode("utf-8")


def _local(tag: str) -> str:
    return tag[len(_Q) :] if tag.startswith(_Q) else tag


def _entry(el: ET.Element, index: int) -> ImportedEntry | Skipped:
    fields: dict[str, str] = {}
    locations: list[str] = []
    identifiers: list[str] = []
    meta: dict[str, str] = {}
    for child in el:
        tag, text = _local(child.tag), (child.text or "")
        if tag == "location":
            locations.append(text.strip())
        elif tag == "identifier":
            identifiers.append(text.strip())
        elif tag == "meta":
            meta[child.get("rel", "")] = text
        elif tag in ("title", "creator", "album", "duration", "info", "annotation") and tag not in fields:
            fields[tag] = text
    title, artist = fold_or_none(fields.get("title")), fold_or_none(fields.get("creator"))
    url = lastfm_url(fields.get("info")) or next((u for u in map(lastfm_url, locations) if u), None)
    if (not title or not artist) and url:
        artist, title = lastfm_track(url) or (artist, title)
    if not title or not artist:
        return Skipped(line=index, reason="the track has no title or no creator")
    track = Track(
        artist=artist,
        title=title,
        album=fold_or_none(fields.get("album")),
        duration_s=seconds_from_ms(fields.get("duration")),
        mbid=next((m for m in map(mbid_from, identifiers) if m), None),
        url=url,
    )
    return ImportedEntry(
        track=track,
        line=index,
        added_by=fold_or_none(meta.get(ADDED_BY_REL)),
        added_at=parse_datetime(meta.get(ADDED_AT_REL)),
    )


def read(text: str, *, max_tracks: int) -> PlaylistFile:
    source = io.BytesIO(_DECLARED_ENCODING.sub(r"\1", text, count=1).encode("utf-8"))
    counter = Counter(max_tracks)
    entries: list[ImportedEntry] = []
    skipped: list[Skipped] = []
    head: dict[str, str] = {}
    stack: list[ET.Element] = []
    try:
        for event, el in SafeET.iterparse(source, events=("start", "end")):
            if event == "start":
                if not stack and _local(el.tag) != "playlist":
                    raise NotAPlaylist(f"The XML file is a <{_local(el.tag)}> document, not an XSPF playlist.")
                stack.append(el)
                continue
            stack.pop()
            tag = _local(el.tag)
            if len(stack) == 1 and tag in ("title", "annotation") and tag not in head:
                head[tag] = el.text or ""
            elif len(stack) == 2 and tag == "track" and _local(stack[1].tag) == "trackList":
                counter.add()
                item = _entry(el, counter.count)
                if isinstance(item, Skipped):
                    skipped.append(item)
                else:
                    entries.append(item)
                stack[1].remove(el)  # keep memory flat: a read track is not kept in the tree
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeFile() from exc
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise MalformedFile("The XML is malformed", line=line) from exc
    return PlaylistFile(
        name=fold_or_none(head.get("title")),
        description=fold_or_none(head.get("annotation")),
        format=Format.XSPF,
        entries=tuple(entries),
        skipped=tuple(skipped),
    )
