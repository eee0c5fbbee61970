"""A share page in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

A 300-track playlist full of hostile names (markup, scripts, RTL text, 500-character titles): nothing executes (no
dialog, no console error, no CSP violation), every platform link points where it should (each platform's page,
through the picker), the picker works with and without JavaScript and is remembered, every download button gives a
file the importer reads back to the same tracks, screenshots on a phone and a desktop, and axe-core finds no serious
accessibility violation.

In CI (CI=true) a missing chromium fails the test; elsewhere it skips and says why.
"""

from __future__ import annotations

import asyncio
import os
import re
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.domain import formats
from bot.domain.formats import Format
from bot.domain.models import Track
from bot.web.view import links_of
from tests.cogs.hostile import HOSTILE
from tests.web.support import FRIEND, OWNER, World, owner, share_world

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MARKUP = [
    "<script>alert('title')</script>",
    '<img src=x onerror="alert(1)">',
    "</li></ol><h1>injected</h1>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "{{ 7*7 }} {% raw %}",
    "\u202eRTL override\u202c עברית שלום",
    "مرحبا <b>بالعالم</b>",
    "&amp; &lt;script&gt; &#x3C;",
]
NUMBERING = re.compile(r"^\s*\d{1,5}\s*[.)]\s+")
HOSTS = {
    "lastfm": "www.last.fm",
    "spotify": "open.spotify.com",
    "apple": "music.apple.com",
    "ytmusic": "music.youtube.com",
    "youtube": "www.youtube.com",
    "deezer": "www.deezer.com",
    "tidal": "listen.tidal.com",
    "soundcloud": "soundcloud.com",
    "bandcamp": "bandcamp.com",
}


def storable(text: str) -> str:
    """What a store could hold from Last.fm: no control characters (format characters like RTL marks stay)."""
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return re.sub(r"\s+", " ", cleaned).strip()[:500] or "x"


def hostile_tracks(n: int) -> list[Track]:
    pool = [storable(s) for s in [*HOSTILE, *MARKUP]]
    out = []
    for i in range(n):
        artist = pool[i % len(pool)]
        title = ("T" * 500) if i % 25 == 7 else pool[(i * 7 + 3) % len(pool)]
        album = pool[(i * 3 + 1) % len(pool)] if i % 2 else None
        out.append(Track(artist=artist, title=f"{title}"[:500], album=album, duration_s=60 + i if i % 5 else None))
    return out


@pytest.fixture
async def browser_context(tmp_path: Path) -> AsyncIterator[object]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 - one stat before any browser starts
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium before the tests")
        pytest.skip(f"no {CHROMIUM} here (apt-get install chromium); CI installs it and runs this test")
    from playwright.async_api import async_playwright  # noqa: PLC0415 - only when a browser is there

    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    names = {OWNER: "<script>alert('owner')</script>", FRIEND: "\u202enimda"}
    async with share_world(tmp_path, names=names, server="<b>Night</b> Owls \u202e", burst=10_000) as w:
        yield w


async def test_a_hostile_300_track_page_in_chromium(world: World, browser_context) -> None:
    music = hostile_tracks(300)
    name = "<script>alert('name')</script> <b>Mix</b> {{ evil }} שלום"
    token = await world.playlist(name, music, by=(OWNER, FRIEND))
    await world.playlists.describe(owner(), name, "<img src=x onerror=alert(2)> مرحبا ](javascript:alert(3))")
    await world.shares.set_privacy(owner(), server_name=True, member_names=True)
    url = f"{world.base}/s/{token}"

    page = await browser_context.new_page()  # type: ignore[attr-defined]
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    response = await page.goto(url, wait_until="load")
    assert response is not None and response.status == 200

    # nothing executes, nothing is blocked
    assert await page.evaluate("window.__csp") == []
    assert dialogs == [] and errors == []
    assert await page.locator("script").count() == 1
    assert await page.locator("h1").count() == 1
    assert await page.locator("h1").inner_text() == name
    assert "onerror=alert(2)" in await page.locator(".description").inner_text()
    assert await page.locator("li.track").count() == 300

    titles = await page.eval_on_selector_all("li.track .title", "els => els.map(e => e.textContent)")
    assert titles == [t.title for t in music]

    # every platform link points where it should, for every track, in order: the picker lists the nine platforms,
    # and each choice gives a page whose every track links to that platform and to Last.fm
    assert await page.eval_on_selector_all("#platform option", "os => os.map(o => o.value)") == list(HOSTS)
    expected = [{link.key: link.url for link in links_of(track)} for track in music]
    for key in HOSTS:
        await page.select_option("#platform", key)
        async with page.expect_navigation():
            await page.click("#picker button")
        assert page.url == f"{url}?p={key}"
        assert await page.locator("#platform").input_value() == key
        shown = await page.eval_on_selector_all(
            "li.track", "rows => rows.map(r => [...r.querySelectorAll('a')].map(a => [a.dataset.platform, a.href]))"
        )
        assert len(shown) == 300
        for want, links in zip(expected, shown, strict=True):
            wanted = [[key, want[key]]] if key == "lastfm" else [[key, want[key]], ["lastfm", want["lastfm"]]]
            assert links == wanted
            for platform, href in links:
                assert urlsplit(href).scheme == "https" and urlsplit(href).hostname == HOSTS[platform]
    assert dialogs == [] and errors == [] and await page.evaluate("window.__csp") == []

    # the choice is remembered in this browser: a visit to the plain link goes on to the chosen platform's page
    await page.select_option("#platform", "deezer")
    async with page.expect_navigation():
        await page.click("#picker button")
    again = await browser_context.new_page()  # type: ignore[attr-defined]
    await again.goto(url, wait_until="commit")
    await again.wait_for_url(f"{url}?p=deezer")
    await again.wait_for_load_state()
    assert await again.locator("#platform").input_value() == "deezer"
    hosts = await again.eval_on_selector_all("a.primary", "as => as.map(a => new URL(a.href).hostname)")
    assert set(hosts) == {"www.deezer.com"} and len(hosts) == 300
    await again.close()

    # every download button gives a file the importer reads back to the same tracks
    for fmt in Format:
        async with page.expect_download() as info:
            await page.click(f"a[data-format='{fmt.value}']")
        download = await info.value
        data = await asyncio.to_thread(Path(await download.path()).read_bytes)
        back = formats.read(data, max_bytes=50_000_000, max_tracks=1_000)
        assert back.format is fmt and back.skipped == ()
        if fmt is Format.TXT:
            # "Artist - Title" lines: an artist holding " - " splits elsewhere on the same line, and a leading
            # "1. " is taken for the list's numbering: the plain-text format's own ambiguity, not the page's
            assert [f"{e.track.artist} - {e.track.title}" for e in back.entries] == [
                NUMBERING.sub("", f"{t.artist} - {t.title}") for t in music
            ]
        else:
            assert [(e.track.artist, e.track.title) for e in back.entries] == [(t.artist, t.title) for t in music]
    assert dialogs == [] and errors == [] and await page.evaluate("window.__csp") == []

    # screenshots: a phone and a desktop
    ARTEFACTS.mkdir(exist_ok=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{url}?p=spotify")  # two links per track: the wider of the page's layouts
    await page.screenshot(path=str(ARTEFACTS / "share-phone.png"))
    overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # nothing wider than the phone: long titles wrap
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.screenshot(path=str(ARTEFACTS / "share-desktop.png"))
    assert (ARTEFACTS / "share-phone.png").stat().st_size > 10_000

    # accessibility: axe-core in the page, and the basics in the browser's own accessibility tree
    from axe_playwright_python.async_playwright import Axe  # noqa: PLC0415

    results = await Axe().run(page)
    serious = [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert await page.get_attribute("html", "lang") == "en"
    assert await page.locator("main").count() == 1 and await page.locator("header").count() == 1
    cdp = await browser_context.new_cdp_session(page)  # type: ignore[attr-defined]
    tree = (await cdp.send("Accessibility.getFullAXTree"))["nodes"]
    unnamed = [
        n["role"]["value"]
        for n in tree
        if not n.get("ignored")
        and n.get("role", {}).get("value") in ("link", "button", "combobox", "textbox")
        and not (n.get("name", {}).get("value") or "").strip()
    ]
    assert unnamed == []


async def test_the_picker_works_without_javascript(world: World, browser_context, tmp_path: Path) -> None:
    token = await world.playlist("plain", hostile_tracks(5))
    page = await browser_context.new_page()  # type: ignore[attr-defined]
    await page.route("**/static/share.js", lambda route: route.abort())  # as if scripts were off
    await page.goto(f"{world.base}/s/{token}")
    await page.select_option("#platform", "bandcamp")
    async with page.expect_navigation():
        await page.click("#picker button")
    assert page.url.endswith("?p=bandcamp")
    hosts = await page.eval_on_selector_all("a.primary", "as => as.map(a => new URL(a.href).hostname)")
    assert set(hosts) == {"bandcamp.com"} and len(hosts) == 5
