"""The share pages over real HTTP on loopback: content, privacy, headers, caching without store reads, the
indistinguishable 404, downloads that read back, and the per-visitor rate limit."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain import formats
from bot.domain.formats import Format
from bot.domain.models import Track
from bot.web import render
from tests.conftest import FakeClock
from tests.web.support import FRIEND, OWNER, PUBLIC, owner, share_world, tracks

VARYING = {"date", "content-length"}


async def test_the_page_shows_the_playlist_with_links_and_downloads(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("Late Night", tracks(3))
        status, headers, body = await w.get(f"/s/{token}")
        _, _, spotify = await w.get(f"/s/{token}?p=spotify")
        _, _, unknown = await w.get(f"/s/{token}?p=nowhere")
        html = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<h1 dir="auto">Late Night</h1>' in html and "3 tracks" in html
    # each track links to Last.fm and to the chosen platform only; the picker offers all nine platforms
    assert html.count('href="https://www.last.fm/search/tracks?q=Artist+0+Title+0"') == 1
    assert "open.spotify.com" not in html and "deezer.com" not in html
    assert len(re.findall(r'<option value="[a-z]+"', html)) == 9 and '<option value="lastfm" selected>' in html
    chosen = spotify.decode()
    assert chosen.count('href="https://open.spotify.com/search/Artist%200%20Title%200"') == 1
    assert chosen.count('href="https://www.last.fm/search/tracks?q=Artist+0+Title+0"') == 1
    assert "deezer.com" not in chosen and '<option value="spotify" selected>' in chosen
    assert unknown == body  # an unknown platform is the default page
    for fmt in Format:
        assert f'href="/s/{token}/download/{fmt.value}"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert f'<meta property="og:url" content="{PUBLIC}/s/{token}">' in html
    assert '<meta property="og:description" content="3 tracks · 8 min · Artist 0 – Title 0, Artist 1' in html
    assert "<script>" not in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/share\.js\")", html)  # one script, same origin
    assert not re.search(r"\son[a-z]+=", html)  # no inline handlers


async def test_security_and_cache_headers(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("p", tracks(1))
        _, headers, _ = await w.get(f"/s/{token}")
        _, static, _ = await w.get("/static/share.js")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    assert re.fullmatch(r'"[0-9a-f]{32}-gz"', headers["ETag"]) and headers["Vary"] == "Accept-Encoding"
    assert headers["Last-Modified"].endswith(" GMT")
    assert headers["Cache-Control"] == "public, max-age=5, must-revalidate"
    assert static["Content-Security-Policy"] == csp and static["X-Content-Type-Options"] == "nosniff"


async def test_gzip_and_identity_are_two_representations(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("p", tracks(100))
        _, zipped, body = await w.get(f"/s/{token}")  # the client asks for gzip and unpacks it
        _, plain, raw = await w.get(f"/s/{token}", Accept_Encoding="identity")
        status, _, _ = await w.get(f"/s/{token}", Accept_Encoding="identity", If_None_Match=zipped["ETag"])
    assert zipped["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert body == raw and zipped["ETag"] == plain["ETag"][:-1] + '-gz"'
    assert status == 200  # the gzip ETag does not validate the identity bytes


async def test_a_revalidation_is_a_304_without_any_store_read(tmp_path: Path) -> None:
    clock = FakeClock()
    async with share_world(tmp_path, clock=clock) as w:
        token = await w.playlist("p", tracks(50))
        _, first, body = await w.get(f"/s/{token}")
        reads = w.storage.io.round_trips
        for _ in range(20):
            status, headers, again = await w.get(f"/s/{token}", If_None_Match=first["ETag"])
            assert status == 304 and again == b"" and headers["ETag"] == first["ETag"]
        status, _, plain = await w.get(f"/s/{token}")  # a plain visit is served from memory too
        assert status == 200 and plain == body
        assert w.storage.io.round_trips == reads  # not one store call
        assert w.web.cache.loads == 1

        # past the cache lifetime with nothing changed: a version check of two single-row reads, no reload
        clock.advance(seconds=6)
        status, _, _ = await w.get(f"/s/{token}", If_None_Match=first["ETag"])
        assert status == 304 and w.web.cache.loads == 1 and w.web.cache.checks == 1
        assert w.storage.io.round_trips == reads + 2

        # past it again after a change: the check fails, one full load, the change shows with a new ETag
        await w.playlists.add(owner(), "p", [Track(artist="New", title="Song")])
        clock.advance(seconds=6)
        status, changed, body2 = await w.get(f"/s/{token}", If_None_Match=first["ETag"])
        assert status == 200 and changed["ETag"] != first["ETag"] and b"Song" in body2
        assert w.web.cache.loads == 2 and w.web.cache.checks == 2


async def test_unknown_revoked_and_trashed_are_the_same_404(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        revoked = await w.playlist("gone", tracks(2))
        await w.shares.turn(owner(), "gone", on=False)
        trashed = await w.playlist("binned", tracks(2))
        await w.playlists.delete(owner(), "binned")
        unknown = "A" * 32
        answers, trips = [], []
        for token in (unknown, revoked, trashed, unknown, "x" * 500):
            before = w.storage.io.round_trips
            answers.append(await w.get(f"/s/{token}"))
            trips.append(w.storage.io.round_trips - before)
            answers.append(await w.get(f"/s/{token}/download/csv"))
    first_status, first_headers, first_body = answers[0]
    assert first_status == 404 and b"isn't here" in first_body
    for status, headers, body in answers:
        assert status == 404
        assert body == first_body
        assert {k.lower(): v for k, v in headers.items() if k.lower() not in VARYING} == {
            k.lower(): v for k, v in first_headers.items() if k.lower() not in VARYING
        }
    assert set(trips) == {1}  # the same single lookup in every case


async def test_turning_a_page_off_kills_the_link_at_once(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("p", tracks(2))
        assert (await w.get(f"/s/{token}"))[0] == 200  # cached now
        await w.shares.turn(owner(), "p", on=False)
        assert (await w.get(f"/s/{token}"))[0] == 404
        new = await w.shares.turn(owner(), "p", on=True)
        assert new.share is not None and new.share.token != token
        assert (await w.get(f"/s/{new.share.token}"))[0] == 200
        assert (await w.get(f"/s/{token}"))[0] == 404


async def test_privacy_server_name_and_contributors(tmp_path: Path) -> None:
    names = {OWNER: "Ada Owner", FRIEND: "Bea <b>Friend</b>"}
    async with share_world(tmp_path, names=names, server="Night <Owls>") as w:
        token = await w.playlist("p", tracks(4), by=(OWNER, FRIEND))
        hidden = (await w.get(f"/s/{token}"))[2].decode()
        await w.shares.set_privacy(owner(), server_name=True, member_names=True)  # evicts at once
        shown = (await w.get(f"/s/{token}"))[2].decode()
        await w.shares.set_privacy(owner(), server_name=False)
        names_only = (await w.get(f"/s/{token}"))[2].decode()
        csv_file = (await w.get(f"/s/{token}/download/csv"))[2].decode()
    assert "Night" not in hidden and "Ada" not in hidden and "Bea" not in hidden
    assert "Added by\n    <bdi>a member</bdi> (2), <bdi>a member</bdi> (2)" in hidden
    assert (
        "Night &lt;Owls&gt;" in shown
        and "<bdi>Ada Owner</bdi> (2)" in shown
        and "<bdi>Bea &lt;b&gt;Friend&lt;/b&gt;</bdi> (2)" in shown
    )
    assert "Night" not in names_only and "Ada Owner" in names_only
    assert "Ada Owner" in csv_file
    for page in (hidden, shown, names_only):
        assert str(OWNER) not in page.replace("(2)", "") and str(FRIEND) not in page.replace("(2)", "")
        assert "<b>Friend" not in page


async def test_indexing_follows_the_owner(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("p", tracks(1))
        await w.shares.turn(owner(), "p", on=True, indexable=True)
        html = (await w.get(f"/s/{token}"))[2].decode()
    assert '<meta name="robots" content="index, follow">' in html


async def test_every_download_reads_back_to_the_same_tracks(tmp_path: Path) -> None:
    music = [*tracks(5), Track(artist="Ünïcödé <x>", title='a, "quoted"; title', album=None, duration_s=None)]
    async with share_world(tmp_path) as w:
        token = await w.playlist("Round Trip", music)
        for fmt in Format:
            status, headers, data = await w.get(f"/s/{token}/download/{fmt.value}")
            assert status == 200 and headers["Content-Type"].startswith(formats.MEDIA_TYPES[fmt])
            assert headers["Content-Disposition"] == f'attachment; filename="Round_Trip.{fmt.value}"'
            back = formats.read(data, max_bytes=10_000_000, max_tracks=100)
            assert back.format is fmt
            assert [(e.track.artist, e.track.title) for e in back.entries] == [(t.artist, t.title) for t in music]
        assert (await w.get(f"/s/{token}/download/exe"))[0] == 404


async def test_pages_are_rendered_in_a_worker_process_that_comes_back_if_it_dies(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("p", tracks(20))
        status, _, first = await w.get(f"/s/{token}")
        assert status == 200
        worker = w.web._worker  # the test kills the process behind it
        assert worker is not None
        processes = list(worker._processes.values())
        assert len(processes) == 1 and processes[0].pid != os.getpid()
        niceness = os.getpriority(os.PRIO_PROCESS, processes[0].pid) - os.getpriority(os.PRIO_PROCESS, 0)
        assert niceness == min(render.WORKER_NICENESS, 19 - os.getpriority(os.PRIO_PROCESS, 0))  # bot first
        processes[0].kill()
        await asyncio.to_thread(processes[0].join, 10)
        w.web.cache.evict_token(token)  # the next visit must render again
        status, headers, _ = await w.get(f"/s/{token}")
        assert status == 503 and headers["Retry-After"] == "1"
        assert w.web._worker is not worker  # a new worker for the next visit
        status, _, again = await w.get(f"/s/{token}")
        assert status == 200 and again == first


async def test_the_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    clock = FakeClock()
    async with share_world(tmp_path, clock=clock, rate_per_second=2.0, burst=5) as w:
        token = await w.playlist("p", tracks(1))
        statuses = [(await w.get(f"/s/{token}"))[0] for _ in range(5)]
        status, headers, _ = await w.get(f"/s/{token}")
        assert statuses == [200] * 5 and status == 429 and headers["Retry-After"] == "1"
        assert (await w.get("/s/unknown"))[0] == 429  # misses count too: guessing is limited
        clock.advance(seconds=1)
        assert (await w.get(f"/s/{token}"))[0] == 200


async def test_oembed(tmp_path: Path) -> None:
    async with share_world(tmp_path) as w:
        token = await w.playlist("p", tracks(2))
        status, headers, body = await w.get(f"/s/{token}/oembed.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert b'"title": "p"' in body and b'"type": "link"' in body


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"web_port": 8081}, "SHARIFY_WEB_PORT needs SHARIFY_PUBLIC_URL"),
        ({"web_port": 8080, "public_url": "https://s.example"}, "must differ"),
        ({"public_url": "ftp://s.example"}, "http(s) address"),
        ({"public_url": "https://s.example/?a=1"}, "http(s) address"),
    ],
)
def test_bad_web_settings_are_refused_clearly(env: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings(**env)  # type: ignore[arg-type]


def test_web_settings_default_off() -> None:
    settings = Settings(public_url="https://s.example/")
    assert settings.web_port == 0 and settings.public_url == "https://s.example"
