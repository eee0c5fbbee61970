"""/playlist share through the real bot (built by the composition root) and the Discord simulator, with the share
pages served by the bot's own web server: the answer's link opens the page, show mentions it, off kills it, the
server's privacy choice reaches the page, and nothing hostile renders live in Discord."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.config import Settings
from tests.cogs.hostile import HOSTILE
from tests.e2e.conftest import World, make_world
from tests.e2e.test_hostile_corpus_e2e import live_entities

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def web_world(settings: Settings) -> AsyncIterator[World]:
    port = free_port()
    update = {
        "web_host": "127.0.0.1",
        "web_port": port,
        "public_url": f"http://127.0.0.1:{port}",
        "health_host": "127.0.0.1",
        "health_port": free_port(),
    }
    async with make_world(settings.model_copy(update=update), lastfm=False) as w:
        yield w


async def fetch(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as r:
        return r.status, await r.text()


def url_in(text: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:\d+/s/[A-Za-z0-9_-]{32}", text)
    assert found, text
    return found.group(0)


async def test_share_on_show_off_and_privacy(web_world: World) -> None:
    w = web_world
    assert w.app.web is not None and w.app.web.running and w.app.health is not None
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{w.app.health.port}/readyz") as r:
        assert (await r.json())["web"] is True  # readiness covers the page server when it is on
    await w.run(w.alice, "playlist create", name="Road trip")
    await w.run(w.alice, "playlist add", name="Road trip", track="Daft Punk - One More Time")

    denied = await w.run(w.bob, "playlist share", name="Road trip")
    assert "Only the owner" in denied.text()

    on = await w.run(w.alice, "playlist share", name="Road trip", state="on")
    url = url_in(on.text())
    assert "now has a public page" in on.text() and "asked not to list it" in on.text()
    status, html = await fetch(url)
    assert status == 200 and "Road trip" in html and "One More Time" in html and "Lounge" not in html

    shown = await w.run(w.bob, "playlist show", name="Road trip")
    assert url in shown.text() and "Public page" in shown.text()

    await w.run(w.mod, "sharify-admin share-pages", server_name=True)
    status, html = await fetch(url)
    assert status == 200 and "Lounge" in html

    off = await w.run(w.mod, "playlist share", name="Road trip", state="off")  # a manager may
    assert "no longer works" in off.text()
    assert (await fetch(url))[0] == 404
    shown = await w.run(w.bob, "playlist show", name="Road trip")
    assert "Public page" not in shown.text()

    again = await w.run(w.alice, "playlist share", name="Road trip")
    assert url_in(again.text()) != url


async def test_hostile_names_stay_inert_in_the_answers(web_world: World) -> None:
    w = web_world
    started = time.time()
    shared = 0
    for s in HOSTILE:
        name = s[:100]
        await w.run(w.alice, "playlist create", name=name)
        answer = await w.run(w.alice, "playlist share", name=name)
        shared += "public page" in answer.text()
        await w.run(w.alice, "playlist show", name=name)
    assert shared >= len(HOSTILE) // 2  # most names are valid playlist names; each answer echoed it
    public = w.app.services.shares.public_url or ""
    bad = [(e, text) for e, text in live_entities(w, started) if not e.value.startswith(public + "/s/")]
    assert bad == []


async def test_without_a_web_port_share_says_pages_are_off(settings: Settings) -> None:
    async with make_world(settings, lastfm=False) as world:
        await _pages_off(world)


async def _pages_off(world: World) -> None:
    await world.run(world.alice, "playlist create", name="p")
    answer = await world.run(world.alice, "playlist share", name="p")
    assert "Share pages aren't turned on" in answer.text()
    assert world.app.web is None
