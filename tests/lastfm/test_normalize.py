"""The lenient readers behind every model."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.lastfm.normalize import (
    as_list,
    attrs,
    duration_s,
    flag,
    images,
    mbid,
    pick_image,
    tag_names,
    text,
    to_float,
    to_int,
    unix_time,
)
from bot.lastfm.parse import track_item


def test_as_list() -> None:
    assert as_list({"a": 1}) == [{"a": 1}]
    assert as_list([{"a": 1}, "junk", {"b": 2}]) == [{"a": 1}, {"b": 2}]
    assert as_list(None) == [] and as_list("") == [] and as_list("\n") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("157000", 157000), (157000, 157000), ("1,234", 1234), (3.9, 3), ("", None), ("FIXME", None), (None, None)],
)
def test_to_int(raw: object, expected: int | None) -> None:
    assert to_int(raw) == expected


def test_to_float() -> None:
    assert to_float("0.620856") == pytest.approx(0.620856) and to_float(1) == 1.0
    assert to_float("nan") is None and to_float(True) is None


def test_text_unwraps() -> None:
    assert text({"#text": "Lonerism", "mbid": ""}) == "Lonerism"
    assert text({"name": "Mew", "url": "u"}) == "Mew"
    assert text("  x  ") == "x" and text("\n") is None and text(None) is None and text(5) == "5"


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [("157000", "ms", 157), ("0", "ms", None), (0, "s", None), ("205", "s", 205), (382, "s", 382), ("", "s", None),
     (1499, "ms", 1), ("-5", "s", None)],
)  # fmt: skip
def test_duration_is_seconds_and_zero_is_unknown(raw: object, unit: str, expected: int | None) -> None:
    assert duration_s(raw, unit) == expected  # type: ignore[arg-type]


def test_flag() -> None:
    assert flag("true") and flag("1") and flag(1) and flag({"#text": "1"})
    assert not flag("0") and not flag("") and not flag(None) and not flag("false")


def test_mbid() -> None:
    good = "30CB03F3-BD95-43B0-9D41-6D75E13CD353"
    assert mbid(good) == good.lower()
    assert mbid("") is None and mbid(None) is None
    assert mbid("267aa996-a6a2-411b--6136208f41b9") is None


def test_unix_time() -> None:
    expected = datetime.fromtimestamp(1419006075, UTC)
    assert unix_time({"uts": "1419006075", "#text": "19 Dec 2014, 16:21"}) == expected
    assert unix_time({"unixtime": "1419006075", "#text": 1419006075}) == expected
    assert unix_time(None) is None and unix_time({"uts": "0"}) is None


def test_images_by_size_name() -> None:
    raw = [
        {"#text": "s.png", "size": "small"},
        {"#text": "", "size": "large"},
        {"size": "extralarge", "#text": "xl.png"},
        {"#text": "mystery.png", "size": ""},
    ]
    by_size = images(raw)
    assert by_size == {"small": "s.png", "extralarge": "xl.png"}
    assert pick_image(by_size) == "xl.png"
    assert pick_image({"small": "s", "medium": "m"}) == "m"
    assert pick_image({}) is None


def test_tag_names() -> None:
    assert tag_names("") == [] and tag_names(None) == []
    assert tag_names({"tag": {"name": "pop"}}) == ["pop"]
    assert tag_names({"tag": [{"name": "rock"}, {"name": ""}, {"url": "x"}]}) == ["rock"]


def test_attrs_inline_or_nested() -> None:
    assert attrs({"@attr": {"page": "2"}, "track": []}) == {"page": "2"}
    inline = {"#text": "\n", "page": "0", "user": "RT"}
    assert attrs(inline) is inline


def test_track_item_shapes() -> None:
    recent = {
        "artist": {"#text": "Santana", "mbid": ""},
        "name": "Song",
        "album": {"#text": "Album", "mbid": ""},
        "@attr": {"nowplaying": "true"},
        "date": {"uts": "1419006075"},
    }
    item = track_item(recent)
    assert item is not None
    assert (item.artist, item.album, item.now_playing, item.played_at) == ("Santana", "Album", True, None)
    assert track_item({"name": "No artist"}) is None
    similar = track_item({"name": "X", "artist": {"name": "Y"}, "match": 0.5, "duration": 278, "playcount": 10})
    assert similar is not None and (similar.match, similar.duration_s, similar.playcount) == (0.5, 278, 10)
