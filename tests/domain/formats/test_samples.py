"""Files written the way other tools write them, read back track by track."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.formats import Format, PlaylistFile, read

SAMPLES = Path(__file__).parent / "samples"


def load(name: str) -> PlaylistFile:
    return read((SAMPLES / name).read_bytes(), max_bytes=1_000_000, max_tracks=1_000)


def rows(playlist: PlaylistFile) -> list[tuple[str, str, str | None, int | None]]:
    return [(e.track.artist, e.track.title, e.track.album, e.track.duration_s) for e in playlist.entries]


def test_exportify_csv() -> None:
    got = load("exportify.csv")
    assert got.format is Format.CSV
    assert rows(got) == [
        ("Daft Punk", "One More Time", "Discovery", 320),
        ("Calvin Harris,Dua Lipa", "One Kiss (with Dua Lipa)", "One Kiss (with Dua Lipa)", 215),
        ("Nirvana", "Smells Like Teen Spirit", "Nevermind (Remastered)", 302),
    ]
    assert [e.line for e in got.entries] == [2, 3, 4]
    assert got.entries[0].added_by == "spotify:user:exampleuser"
    assert got.entries[0].added_at == datetime(2023, 5, 14, 18, 22, 4, tzinfo=UTC)


def test_soundiiz_csv() -> None:
    got = load("soundiiz.csv")
    assert rows(got) == [
        ("Queen", "Bohemian Rhapsody - Remastered 2011", "A Night At The Opera (2011 Remaster)", None),
        ("The Beatles", "Hey Jude", "Hey Jude", None),
        ("Radiohead", "Paranoid Android", "OK Computer", None),
    ]


def test_tunemymusic_csv() -> None:
    got = load("tunemymusic.csv")
    assert rows(got) == [
        ("Fleetwood Mac", "Dreams", "Rumours (Super Deluxe)", None),
        ("a-ha", "Take On Me", "Hunting High and Low", None),
        ("Queen", "Don't Stop Me Now - Remastered 2011", "Jazz (2011 Remaster)", None),
    ]


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    got = load("excel-unicode-text.txt")
    assert got.format is Format.CSV
    assert rows(got) == [("Björk", "Jóga", "Homogenic", None), ("Beyoncé", "Déjà vu", "B’Day", None)]


def test_european_excel_semicolons_in_windows_1252() -> None:
    got = load("excel-semicolon-cp1252.csv")
    assert [(a, t) for a, t, _, _ in rows(got)] == [
        ("Nena", "99 Luftballons"),
        ("Plastic Bertrand", "Ça plane pour moi"),
        ("Shawn Mendes", "Señorita"),
    ]


def test_foobar2000_m3u8_with_bom_crlf_and_windows_paths() -> None:
    got = load("foobar2000.m3u8")
    assert got.format is Format.M3U8
    assert rows(got) == [
        ("Radiohead", "Paranoid Android", None, 383),
        ("Queen", "Bohemian Rhapsody", None, 355),
        ("Björk", "Jóga", None, 252),
    ]
    assert all(e.track.url is None for e in got.entries)  # a file path is not a track page


def test_vlc_m3u8_with_options_file_urls_and_a_bare_entry() -> None:
    got = load("vlc.m3u8")
    assert rows(got) == [
        ("Queen", "Bohemian Rhapsody", None, 354),
        ("Daft Punk", "Digital Love", None, 243),
        ("Massive Attack", "Teardrop", None, None),  # no #EXTINF: from the file name
    ]
    assert [(s.line, "no artist" in s.reason) for s in got.skipped] == [(7, True)]


def test_listenbrainz_jspf() -> None:
    got = load("listenbrainz.jspf")
    assert (got.format, got.name, got.description) == (Format.JSPF, "Trip-hop evening", "Slow beats for a rainy day")
    assert rows(got) == [("Portishead", "Glory Box", "Dummy", 306), ("Massive Attack", "Teardrop", None, None)]
    assert [e.track.mbid for e in got.entries] == [
        "0a8e8d55-4b83-4f8a-9732-fbb5ded9f344",
        "2ba6ec1a-0e1f-4c1e-9a33-0b1d5f3b3c7e",  # the older single-string identifier
    ]
    assert [e.added_by for e in got.entries] == ["exampleuser", "friend"]
    assert got.entries[1].added_at == datetime(2024, 2, 1, 9, 2, 30, tzinfo=UTC)


def test_listenbrainz_xspf() -> None:
    got = load("listenbrainz.xspf")
    assert (got.format, got.name) == (Format.XSPF, "Trip-hop evening")
    assert rows(got) == [("Portishead", "Glory Box", "Dummy", 306), ("Massive Attack", "Teardrop", None, None)]
    assert got.entries[0].track.mbid == "0a8e8d55-4b83-4f8a-9732-fbb5ded9f344"
    assert got.entries[1].track.url == "https://www.last.fm/music/Massive+Attack/_/Teardrop"
    assert [(s.line, s.reason) for s in got.skipped] == [(3, "the track has no title or no creator")]


def test_numbered_text_list_in_windows_1252() -> None:
    got = load("numbered-cp1252.txt")
    assert got.format is Format.TXT
    assert [(e.line, e.track.artist, e.track.title) for e in got.entries] == [
        (3, "Sigur Rós", "Hoppípolla"),
        (4, "Daft Punk", "Around the World"),
        (5, "Claude Debussy", "Clair de Lune"),
        (6, "Motörhead", "Ace of Spades"),
    ]
    assert [s.line for s in got.skipped] == [1]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Artist - Title", ("Artist", "Title")),
        ("Artist – Title", ("Artist", "Title")),
        ("Artist — Title - Live", ("Artist", "Title - Live")),
        ("Stand by Me by Ben E. King", ("Ben E. King", "Stand by Me")),
        ("1. A - B", ("A", "B")),
        ("01) A - B", ("A", "B")),
        ("311 - Amber", ("311", "Amber")),
        ("AC/DC -- Thunderstruck", ("AC/DC", "Thunderstruck")),
    ],
)
def test_text_line_forms(line: str, expected: tuple[str, str]) -> None:
    got = read(line.encode(), max_bytes=1000, max_tracks=10)
    assert (got.entries[0].track.artist, got.entries[0].track.title) == expected
