"""Files that can't be read are refused with a domain error naming the problem (and the line, where known),
early and without reading outside the file."""

from __future__ import annotations

import codecs
import os
import time
from pathlib import Path

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.formats import (
    EmptyFile,
    FileTooLarge,
    Format,
    MalformedFile,
    NotAPlaylist,
    TooManyTracks,
    UndecodableFile,
    UnsafeFile,
    read,
)

LIMIT = 1_000_000


def refuse(data: bytes, error: type[Exception], *, max_tracks: int = 100) -> InvalidInput:
    with pytest.raises(error) as caught:
        read(data, max_bytes=LIMIT, max_tracks=max_tracks)
    assert isinstance(caught.value, InvalidInput)
    return caught.value


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + "\n".encode("utf-16-le")])
def test_empty(data: bytes) -> None:
    refuse(data, EmptyFile)


@pytest.mark.parametrize(
    "data",
    [
        b"<?xml version='1.0'?><html><body>hi</body></html>",
        b'{"tracks": [1, 2]}',
        b"just some words\nwithout any separator\n",
    ],
)
def test_not_a_playlist(data: bytes) -> None:
    refuse(data, NotAPlaylist)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'<playlist xmlns="http://xspf.org/ns/0/" version="1">\n<trackList>\n<track><title>x</track>', 3),
        (b'{"playlist": {"track": [\n{"title": "a",}\n]}}', 2),
        (b'Track Name,Artist Name(s)\nA,B\n"C"x,D\n', 3),
    ],
)
def test_malformed_names_the_line(data: bytes, line: int) -> None:
    error = refuse(data, MalformedFile)
    assert f"(line {line})" in error.user_message


def test_malformed_jspf_track_list_and_deep_nesting() -> None:
    refuse(b'{"playlist": {"track": "nope"}}', MalformedFile)
    refuse(b'{"playlist": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", MalformedFile)


def test_billion_laughs_is_refused_before_expansion() -> None:
    lol = [b'<!ENTITY lol0 "lol">'] + [b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)]
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE playlist [' + b"".join(lol) + b"]>\n"
        b'<playlist xmlns="http://xspf.org/ns/0/" version="1"><title>&lol9;</title><trackList/></playlist>'
    )
    started = time.perf_counter()
    refuse(data, UnsafeFile)
    assert time.perf_counter() - started < 1.0  # nothing was expanded (10^9 "lol"s would take minutes)


@pytest.mark.parametrize("kind", ["SYSTEM", 'PUBLIC "-//x//y"'])
def test_external_entity_is_refused_without_reading_the_file(tmp_path: Path, kind: str) -> None:
    # A FIFO: opening it for reading would block until a writer comes, and none ever does. The test finishing at
    # all shows the parser never opened it.
    secret = tmp_path / "secret"
    os.mkfifo(secret)
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE playlist [<!ENTITY xxe {kind} "file://{secret}">]>\n'
        '<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track>'
        "<title>&xxe;</title><creator>a</creator></track></trackList></playlist>"
    ).encode()
    refuse(data, UnsafeFile)


def test_external_dtd_is_not_fetched(tmp_path: Path) -> None:
    dtd = tmp_path / "x.dtd"
    os.mkfifo(dtd)
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE playlist SYSTEM "file://{dtd}">\n'
        '<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList><track>'
        "<title>t</title><creator>a</creator></track></trackList></playlist>"
    ).encode()
    got = read(data, max_bytes=LIMIT, max_tracks=10)  # a DTD that is only named is harmless: never opened
    assert [e.track.title for e in got.entries] == ["t"]


def test_50_mb_file_is_refused_by_size_before_anything_is_decoded() -> None:
    # Undecodable content (a UTF-16 BOM with an odd byte count): any decoding would raise a different error.
    data = codecs.BOM_UTF16_LE + b"\x00" * (50 * 1024 * 1024)
    started = time.perf_counter()
    error = refuse(data, FileTooLarge)
    assert time.perf_counter() - started < 0.5
    assert "52,428,802 bytes" in error.user_message and "1,000,000" in error.user_message


@pytest.mark.parametrize(
    ("fmt", "head", "line", "tail"),
    [
        (Format.TXT, "", "Artist - Title {i}\n", ""),
        (Format.M3U8, "#EXTM3U\n", "#EXTINF:1,A - T{i}\nhttps://x/{i}.mp3\n", ""),
        (Format.CSV, "Track Name,Artist Name(s)\n", "T{i},A\n", '"unterminated\n'),
        (
            Format.XSPF,
            '<playlist xmlns="http://xspf.org/ns/0/" version="1"><trackList>\n',
            "<track><title>T{i}</title><creator>A</creator></track>\n",
            "<broken",
        ),
    ],
)
def test_100k_lines_are_refused_as_soon_as_the_limit_is_passed(fmt: Format, head: str, line: str, tail: str) -> None:
    # The file ends malformed: a reader that parsed everything before counting would raise MalformedFile instead.
    data = (head + "".join(line.format(i=i) for i in range(100_000)) + tail).encode()
    started = time.perf_counter()
    with pytest.raises(TooManyTracks) as caught:
        read(data, max_bytes=len(data), max_tracks=10_000)
    assert time.perf_counter() - started < 5.0
    assert "more than 10000 tracks" in caught.value.user_message


def test_jspf_track_count_is_checked() -> None:
    data = b'{"playlist": {"track": [' + b",".join([b'{"title": "t", "creator": "a"}'] * 11) + b"]}}"
    refuse(data, TooManyTracks, max_tracks=10)


def test_utf16_without_bom_is_refused() -> None:
    error = refuse("Artist - Title\n".encode("utf-16-le"), UndecodableFile)
    assert "byte-order mark" in error.user_message


def test_bom_that_lies_is_refused() -> None:
    refuse(codecs.BOM_UTF16_LE + b"A\x00-", UndecodableFile)  # odd byte count
    refuse(codecs.BOM_UTF8 + b"Caf\xe9 - Song\n", UndecodableFile)


def test_binary_file_is_refused() -> None:
    refuse(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", UndecodableFile)


def test_xml_with_an_unknown_or_wrong_declared_encoding() -> None:
    refuse(b'<?xml version="1.0" encoding="x-nonsense"?><playlist/>', UndecodableFile)
    refuse('<?xml version="1.0" encoding="ascii"?><playlist>é</playlist>'.encode(), UndecodableFile)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Björk - Jóga\n".encode(), "Björk"),  # valid UTF-8
        (codecs.BOM_UTF8 + "Björk - Jóga\n".encode(), "Björk"),
        (codecs.BOM_UTF16_LE + "Björk - Jóga\n".encode("utf-16-le"), "Björk"),
        (codecs.BOM_UTF16_BE + "Björk - Jóga\n".encode("utf-16-be"), "Björk"),
        ("Beyoncé – Halo\n".encode("cp1252"), "Beyoncé"),  # not UTF-8: Windows-1252 (the en dash is 0x96)
        (b"Caf\xe9\x81 - Song\n", "Caf\xe9\x81"),  # 0x81 is undefined in cp1252: Latin-1
        (
            b'<?xml version="1.0" encoding="ISO-8859-1"?>' + b'<playlist xmlns="http://xspf.org/ns/0/" '
            b'version="1"><trackList><track><title>t</title><creator>Bj\xf6rk</creator></track></trackList></playlist>',
            "Björk",
        ),
    ],
)
def test_encodings(data: bytes, expected: str) -> None:
    assert read(data, max_bytes=LIMIT, max_tracks=10).entries[0].track.artist == expected
