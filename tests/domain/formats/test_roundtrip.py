"""Export then read gives back the same tracks in order, for every format, including awkward text.

The folding rule (bot.domain.formats.text): values come back as `fold(value)`: line breaks become spaces, characters
XML can't hold are dropped, ends are trimmed. Plain text carries only artist and title, and can't tell an artist's
own " - " from the separator, so its artists here hold no dashes and don't start with a list number."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC
from urllib.parse import quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.formats import ExportTrack, Format, detect, export, fold, read
from bot.domain.formats.text import decode
from bot.domain.models import Track

AWKWARD = [
    "Ünïcödé ✓ 日本語 🎵",
    "مرحبا بالعالم",  # right-to-left
    "\u202eevil rtl override",
    "He said \"hi\", 'bye'",
    "a, b; c\td",
    "line one\nline two\r\nthree\u2028four",
    "# not a directive",
    "#EXTINF:1,fake",
    "=1+2",
    "+cmd",
    "-M-",
    "@SUM(A1)",
    "'=quoted",
    "''",
    "<b>&amp;</b> ]]>",
    "x" * 500,
]

field = (st.sampled_from(AWKWARD) | st.text(min_size=1, max_size=40)).filter(lambda s: fold(s) != "")
txt_artist = field.filter(
    lambda s: (
        not re.search(r"[-–—]", s)
        and not re.match(r"\s*\d{1,5}\s*[.)]\s", fold(s))
        and fold(s)[:1] not in "<{"
        and not fold(s).upper().startswith(("#EXTM3U", "#EXTINF:"))
        and not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", fold(s))
        and " by " not in fold(s).casefold()
    )
)
url_part = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ÄéØ&/+", min_size=1, max_size=12).filter(
    lambda s: fold(s) != ""
)


@st.composite
def tracks(draw: st.DrawFn, artist: st.SearchStrategy[str] = field) -> ExportTrack:
    url = None
    if draw(st.booleans()):
        url = f"https://www.last.fm/music/{quote_plus(draw(url_part))}/_/{quote_plus(draw(url_part))}"
    track = Track(
        artist=draw(artist),
        title=draw(field),
        album=draw(st.none() | field),
        duration_s=draw(st.none() | st.integers(min_value=0, max_value=100_000)),
        mbid=draw(st.none() | st.uuids().map(str)),
        url=url,
    )
    return ExportTrack(
        track=track,
        added_by=draw(st.none() | field),
        added_at=draw(st.none() | st.datetimes(timezones=st.just(UTC))),
    )


def roundtrip(fmt: Format, items: list[ExportTrack], name: str = "Mix", description: str = ""):
    data = export(name, description, items, fmt)
    assert detect(decode(data)) is fmt
    return read(data, max_bytes=len(data), max_tracks=len(items))


def core(t: Track) -> tuple[str, str, str | None, int | None]:
    return fold(t.artist), fold(t.title), fold(t.album) if t.album else None, t.duration_s


@settings(max_examples=60, deadline=None)
@given(st.lists(tracks(), min_size=1, max_size=8), field, field)
def test_xspf_and_jspf_keep_everything(items: list[ExportTrack], name: str, description: str) -> None:
    for fmt in (Format.XSPF, Format.JSPF):
        got = roundtrip(fmt, items, name, description)
        assert (got.name, got.description) == (fold(name), fold(description))
        assert [(core(e.track), e.track.mbid, e.track.url) for e in got.entries] == [
            (core(i.track), i.track.mbid, i.track.url) for i in items
        ]
        assert [(e.added_by, e.added_at) for e in got.entries] == [
            (fold(i.added_by) if i.added_by else None, i.added_at) for i in items
        ]


@settings(max_examples=60, deadline=None)
@given(st.lists(tracks(), min_size=1, max_size=8))
def test_csv_keeps_everything_and_neutralizes_formulas(items: list[ExportTrack]) -> None:
    data = export("Mix", "", items, Format.CSV)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
    # A spreadsheet reads the cell's value, quoted or not: no value may start a formula.
    assert not any(c[:1] in ("=", "+", "@") for row in rows for c in row)
    got = read(data, max_bytes=len(data), max_tracks=len(items))
    assert [(core(e.track), e.track.mbid, e.track.url, e.added_by, e.added_at) for e in got.entries] == [
        (core(i.track), i.track.mbid, i.track.url, fold(i.added_by) if i.added_by else None, i.added_at) for i in items
    ]


@settings(max_examples=60, deadline=None)
@given(st.lists(tracks(), min_size=1, max_size=8), field)
def test_m3u8_keeps_artist_title_album_duration_and_page(items: list[ExportTrack], name: str) -> None:
    got = roundtrip(Format.M3U8, items, name)
    assert got.name == fold(name)
    assert [(core(e.track), e.track.url) for e in got.entries] == [(core(i.track), i.track.url) for i in items]


@settings(max_examples=60, deadline=None)
@given(st.lists(tracks(artist=txt_artist), min_size=1, max_size=8))
def test_text_keeps_artist_and_title(items: list[ExportTrack]) -> None:
    got = roundtrip(Format.TXT, items)
    assert [(e.track.artist, e.track.title) for e in got.entries] == [
        (fold(i.track.artist), fold(i.track.title)) for i in items
    ]


def test_m3u8_values_cannot_start_a_directive() -> None:
    item = ExportTrack(track=Track(artist="A\n#EXTINF:1,B - C", title="T\r\nhttp://evil", album="X\n#EXTART:Z"))
    text = export("N\n#EXTM3U", "", [item], Format.M3U8).decode()
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "#EXTM3U",
        "#PLAYLIST",
        "#EXTINF",
        "#EXTALB",
        "#EXTART",
        "https",
    ]
    got = read(text.encode(), max_bytes=10_000, max_tracks=1).entries[0].track
    assert (got.artist, got.title, got.album) == ("A #EXTINF:1,B - C", "T http://evil", "X #EXTART:Z")


def test_csv_neutralizes_every_formula_start_and_reads_it_back() -> None:
    values = ["=HYPERLINK()", "+1", "-1", "@x", "\tTab", "'=already", "'plain"]
    items = [ExportTrack(track=Track(artist=v, title="t")) for v in values]
    data = export("Mix", "", items, Format.CSV).decode("utf-8-sig")
    first_cells = [line.split(",")[1] for line in data.split("\r\n")[1:-1]]
    assert first_cells == ["'=HYPERLINK()", "'+1", "'-1", "'@x", "Tab", "''=already", "'plain"]
    got = read(data.encode(), max_bytes=10_000, max_tracks=10)
    assert [e.track.artist for e in got.entries] == [fold(v) for v in values]


def test_fold_rule() -> None:
    assert fold(" a\nb\r\nc\x0bd\x85e\u2028f\u2029g\r\rh ") == "a b c d e f g  h"
    assert fold("x\x00\x07\ufffey\tz") == "xy\tz"
