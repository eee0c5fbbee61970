"""Tag rankings (artist.getTopTags, tag.getTopTags, chart.getTopTags). No recorded response of these is among
the fixtures, so the bodies below are the community docs' examples (lastfm-docs/api-docs, docs/artist/
getTopTags.md, docs/tag/getTopTags.md, docs/chart/getTopTags.md), cut to their first entries; the three
methods disagree on the root key, the weight's name, number types and paging."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.lastfm import TagPage
from bot.lastfm.cache import DEFAULT_LIFETIMES
from bot.lastfm.parse import parse

ARTIST_TOP_TAGS = {
    "toptags": {
        "tag": [
            {"count": 100, "name": "rock", "url": "https://www.last.fm/tag/rock"},
            {"count": 78, "name": "alternative rock", "url": "https://www.last.fm/tag/alternative+rock"},
            {"count": 52, "name": "hard rock", "url": "https://www.last.fm/tag/hard+rock"},
        ],
        "@attr": {"artist": "Audioslave"},
    }
}
TAG_TOP_TAGS = {
    "toptags": {
        "@attr": {"offset": 0, "num_res": 50, "total": 2804440},
        "tag": [
            {"name": "rock", "count": 4024829, "reach": 399440},
            {"name": "electronic", "count": 2441085, "reach": 258464},
            {"name": "seen live", "count": 2159269, "reach": 82163},
        ],
    }
}
CHART_TOP_TAGS = {
    "tags": {
        "tag": [
            {
                "name": "rock",
                "url": "https://www.last.fm/tag/rock",
                "reach": "399561",
                "taggings": "4026340",
                "streamable": "1",
                "wiki": {},
            },
            {
                "name": "electronic",
                "url": "https://www.last.fm/tag/electronic",
                "reach": "258618",
                "taggings": "2443112",
                "streamable": "1",
                "wiki": {},
            },
        ],
        "@attr": {"page": "1", "perPage": "10", "totalPages": "280685", "total": "2806844"},
    }
}


def test_artist_top_tags() -> None:
    m = parse("artist.getTopTags", ARTIST_TOP_TAGS)
    assert isinstance(m, TagPage) and m.artist == "Audioslave"
    assert [(t.name, t.count) for t in m.tags] == [("rock", 100), ("alternative rock", 78), ("hard rock", 52)]
    assert m.page is None and m.total_pages is None  # no paging in this method


def test_tag_top_tags_paging_from_offset_and_num_res() -> None:
    m = parse("tag.getTopTags", TAG_TOP_TAGS)
    assert isinstance(m, TagPage)
    assert [(t.name, t.count, t.reach) for t in m.tags[:2]] == [
        ("rock", 4024829, 399440),
        ("electronic", 2441085, 258464),
    ]
    assert (m.page, m.per_page, m.total, m.total_pages) == (1, 50, 2804440, 56089)


def test_chart_top_tags_taggings_are_the_count_and_strings_are_numbers() -> None:
    m = parse("chart.getTopTags", CHART_TOP_TAGS)
    assert isinstance(m, TagPage)
    assert [(t.name, t.count, t.reach) for t in m.tags] == [("rock", 4026340, 399561), ("electronic", 2443112, 258618)]
    assert (m.page, m.per_page, m.total_pages, m.total) == (1, 10, 280685, 2806844)
    assert TagPage.model_validate(json.loads(m.model_dump_json())) == m  # survives the persistent cache


def test_a_single_tag_is_an_object_and_a_nameless_one_is_dropped() -> None:
    body = {"toptags": {"tag": {"count": 100, "name": "jazz"}, "@attr": {"artist": "X"}}}
    assert [t.name for t in parse("artist.getTopTags", body).tags] == ["jazz"]  # type: ignore[attr-defined]
    body = {"toptags": {"tag": [{"count": 5, "name": ""}, "junk"], "@attr": {"artist": "X"}}}
    assert parse("artist.getTopTags", body).tags == []  # type: ignore[attr-defined]


def test_mix_sources_stay_fresh_for_hours() -> None:
    for method in (
        "track.getSimilar",
        "artist.getSimilar",
        "artist.getTopTracks",
        "artist.getTopTags",
        "tag.getTopTracks",
        "tag.getTopTags",
        "chart.getTopTags",
        "user.getTopTracks",
    ):
        assert DEFAULT_LIFETIMES[method].fresh >= timedelta(hours=3), method
    assert DEFAULT_LIFETIMES["user.getRecentTracks"].fresh < timedelta(minutes=5)  # now playing stays live
