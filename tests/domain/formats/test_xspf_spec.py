"""The XSPF writer checked against the XSPF version 1 specification (xspf.org/xspf-v1.html), written down here as
a structural check: namespace and version, which elements may appear where, in which order, how often, and the
types of their content (URIs, non-negative integers, dateTime, plain text without markup)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.formats import ExportTrack, Format, export
from bot.domain.models import Track

NS = "{http://xspf.org/ns/0/}"
# (name, max occurrences or None for unbounded, content type), in the order section 4.1.1 lists them.
PLAYLIST = [
    ("title", 1, "text"), ("creator", 1, "text"), ("annotation", 1, "text"), ("info", 1, "uri"),
    ("location", 1, "uri"), ("identifier", 1, "uri"), ("image", 1, "uri"), ("date", 1, "datetime"),
    ("license", 1, "uri"), ("attribution", 1, "any"), ("link", None, "rel"), ("meta", None, "rel"),
    ("extension", None, "any"), ("trackList", 1, "any"),
]  # fmt: skip
TRACK = [
    ("location", None, "uri"), ("identifier", None, "uri"), ("title", 1, "text"), ("creator", 1, "text"),
    ("annotation", 1, "text"), ("info", 1, "uri"), ("image", 1, "uri"), ("album", 1, "text"),
    ("trackNum", 1, "nonneg"), ("duration", 1, "nonneg"), ("link", None, "rel"), ("meta", None, "rel"),
    ("extension", None, "any"),
]  # fmt: skip


def is_uri(text: str) -> bool:
    return bool(text) and bool(urlsplit(text).scheme) and not re.search(r"\s", text)


def check_content(el: Element, kind: str, where: str) -> None:
    text = el.text or ""
    if kind != "any":
        assert len(el) == 0, f"{where}: no markup allowed"
    if kind == "uri":
        assert is_uri(text), f"{where}: {text!r} is not a URI"
    elif kind == "nonneg":
        assert re.fullmatch(r"\d+", text), f"{where}: {text!r} is not a non-negative integer"
    elif kind == "datetime":
        datetime.fromisoformat(text)
    elif kind == "rel":
        assert is_uri(el.get("rel", "")), f"{where}: rel must be a URI"
        if el.tag == NS + "link":
            assert is_uri(text), f"{where}: link content must be a URI"


def check_children(parent: Element, rules: list[tuple[str, int | None, str]], where: str) -> None:
    order = [name for name, _, _ in rules]
    seen: list[str] = []
    for child in parent:
        assert child.tag.startswith(NS), f"{where}: {child.tag} is outside the XSPF namespace"
        name = child.tag[len(NS) :]
        assert name in order, f"{where}: <{name}> is not allowed here"
        assert not seen or order.index(name) >= order.index(seen[-1]), f"{where}: <{name}> out of order"
        seen.append(name)
        check_content(child, dict((n, k) for n, _, k in rules)[name], f"{where}/{name}")
    for name, most, _ in rules:
        if most is not None:
            assert seen.count(name) <= most, f"{where}: <{name}> more than {most} times"


def check_xspf(data: bytes) -> None:
    root = SafeET.fromstring(data)
    assert root.tag == NS + "playlist"
    assert root.get("version") == "1"
    check_children(root, PLAYLIST, "playlist")
    track_lists = root.findall(NS + "trackList")
    assert len(track_lists) == 1, "trackList is required, once"
    for index, track in enumerate(track_lists[0]):
        assert track.tag == NS + "track", "trackList holds only track elements"
        check_children(track, TRACK, f"track[{index}]")


def test_the_checker_catches_what_the_spec_forbids() -> None:
    bad = [
        b'<playlist xmlns="http://xspf.org/ns/0/" version="1"/>',  # no trackList
        b'<playlist xmlns="http://xspf.org/ns/0/"><trackList/></playlist>',  # no version
        b'<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track><title>a</title>'
        b"<location>http://x/</location></track></trackList></playlist>",  # order
        b'<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track><duration>-1</duration>'
        b"</track></trackList></playlist>",  # type
        b'<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track><title>a</title><title>b</title>'
        b"</track></trackList></playlist>",  # cardinality
        b'<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track><meta rel="not a uri">x</meta>'
        b"</track></trackList></playlist>",  # rel
    ]
    for data in bad:
        try:
            check_xspf(data)
        except AssertionError:
            continue
        raise AssertionError(f"accepted: {data!r}")


text = st.text(min_size=1, max_size=30)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.builds(
            ExportTrack,
            track=st.builds(
                Track,
                artist=text,
                title=text,
                album=st.none() | text,
                duration_s=st.none() | st.integers(0, 10**6),
                mbid=st.none() | st.uuids().map(str),
                url=st.none() | st.just("https://www.last.fm/music/A/_/B"),
            ),
            added_by=st.none() | text,
            added_at=st.none() | st.datetimes(timezones=st.just(UTC)),
        ),
        max_size=5,
    ),
    text,
    st.booleans(),
)
def test_export_is_valid_xspf(items: list[ExportTrack], name: str, dated: bool) -> None:
    date = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC) if dated else None
    data = export(name, "About it", items, Format.XSPF, date=date)
    check_xspf(data)
    assert data.count(b"<link ") == 8 * len(items)
    bare = export(name, "About it", items, Format.XSPF, date=date, with_links=False)
    check_xspf(bare)
    assert b"<link " not in bare
