"""Every command, every hostile string: nothing a member typed or Last.fm returned renders live.

The corpus (tests/cogs/hostile.py) goes through every command that echoes text (as playlist names, descriptions,
tracks typed with Last.fm off, tracks Last.fm returns, usernames, positions) and every body the bot sent to the
simulator is scanned the way Discord's client renders it. The only links allowed are the ones the bot builds
(Last.fm and the platform searches); the only mentions are of the members and roles of the test server; the only
timestamps are times the bot recorded during the test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.domain.links import platform_links
from bot.domain.models import Track
from bot.sandbox.discord_sim.markdown import Entity, entities, foreign, payload_texts
from tests.cogs.hostile import HOSTILE
from tests.e2e.conftest import World

pytestmark = pytest.mark.e2e

BOT_HOSTS = frozenset(
    {urlsplit(url).hostname or "" for _, url in platform_links(Track(artist="a", title="b", url="https://x"))}
    | {"www.last.fm", "last.fm"}
) - {"x"}


def message_bodies(world: World) -> Iterator[dict[str, Any]]:
    """Every message body the bot sent: callback data (types 4 and 7), followups, edits, channel messages."""
    for request in world.sim.requests:
        body = request.json
        if not isinstance(body, dict):
            continue
        if "type" in body and "data" in body:
            if body["type"] in (4, 7) and isinstance(body["data"], dict):
                yield body["data"]
        elif "content" in body or "embeds" in body:
            yield body


def live_entities(world: World, started: float) -> list[tuple[Entity, str]]:
    own = {str(m.id) for m in (world.owner, world.alice, world.bob, world.mod, world.stranger)} | {str(world.dj.id)}
    own |= {str(world.sim.bot_user.id)}
    bad = []
    for body in message_bodies(world):
        for text in payload_texts(body):
            for entity in foreign(entities(text), own_ids=own, hosts=BOT_HOSTS):
                if entity.kind == "timestamp" and started - 86_400 <= int(entity.value) <= time.time() + 86_400:
                    continue  # a time the bot recorded during this test (history's "5 minutes ago")
                bad.append((entity, text[:300]))
    return bad


async def _every_command(world: World, s: str, i: int) -> int:
    """Run `s` through every text-echoing command; returns how many interactions that was."""
    name = f"p{i}"
    pair = f"{s[:2900]} - {s[:2900]}"  # a string option holds at most 6,000 characters
    alice, mod = world.alice, world.mod
    steps: list[tuple[Any, str, dict[str, object]]] = [
        (alice, "playlist create", {"name": s, "description": s}),
        (alice, "playlist create", {"name": name, "description": s}),
        (alice, "playlist add", {"name": name, "track": s}),
        (alice, "playlist add", {"name": name, "track": pair}),
        (alice, "playlist add", {"name": name, "track": pair}),
        (alice, "playlist show", {"name": name}),
        (alice, "playlist show", {"name": s}),
        (alice, "playlist list", {}),
        (alice, "playlist remove", {"name": name, "track": s}),
        (alice, "playlist move", {"name": name, "track": "1", "to": 2}),
        (alice, "playlist dedupe", {"name": name}),
        (alice, "playlist history", {"name": name}),
        (alice, "playlist undo", {}),
        (alice, "playlist describe", {"name": name, "description": s}),
        (alice, "playlist rename", {"name": name, "new_name": s}),
        (alice, "playlist rename", {"name": s, "new_name": name}),
        (alice, "playlist collaborators add", {"name": name, "member": world.bob}),
        (alice, "playlist mode", {"name": name, "mode": "locked"}),
        (world.bob, "playlist add", {"name": name, "track": f"{s[:5000]} - x"}),  # refused: names the playlist
        (alice, "playlist history", {}),
        (alice, "playlist delete", {"name": name}),
        (alice, "playlist list", {"trash": True}),
        (alice, "playlist restore", {"name": s}),
        (alice, "playlist restore", {"name": name}),
        (mod, "playlist undo", {"member": alice}),
        (alice, "track info", {"query": s}),
        (alice, "lastfm link", {"username": s}),
    ]
    for user, command, values in steps:
        reply = await world.run(user, command, **values)
        assert not reply.errors, (command, s, reply.errors)
    return len(steps)


async def test_no_hostile_text_renders_live_through_any_command(world: World) -> None:
    started = time.time()
    interactions = 0
    for i, s in enumerate(HOSTILE):
        interactions += await _every_command(world, s, i)
    assert interactions >= 27 * len(HOSTILE)
    assert live_entities(world, started) == []
    assert not world.sim.violations, world.sim.violations[:3]


async def test_no_hostile_text_from_lastfm_renders_live(fm_world: World) -> None:
    """Last.fm titles are free text: a scrobble or a search result can be anything."""
    assert fm_world.fm is not None and fm_world.fm.catalog is not None
    catalog = fm_world.fm.catalog
    started = time.time()
    username = next(name for name, user in catalog.users.items() if not user.private)
    user = catalog.users[username]
    assert user.now_playing is not None
    playing = catalog.tracks[user.now_playing]
    r = await fm_world.run(fm_world.alice, "lastfm link", username=username)
    assert "Linked" in r.content or "linked" in r.content, r.content
    await fm_world.run(fm_world.alice, "playlist create", name="mix")
    for s in HOSTILE[:20]:  # enough shapes; every one is a full Last.fm round trip
        playing.name = s[:300]
        catalog.artists[playing.artist_id].name = s[:120]
        for command, values in (
            ("lastfm nowplaying", {}),
            ("playlist add-playing", {"name": "mix"}),
            ("playlist show", {"name": "mix"}),
            ("playlist add", {"name": "mix", "track": f"{s[:2900]} - {s[:2900]}"}),  # not found: closest matches echoed
            ("track info", {"query": f"{s[:2900]} - {s[:2900]}"}),
            ("playlist history", {"name": "mix"}),
        ):
            reply = await fm_world.run(fm_world.alice, command, **values)
            assert not reply.errors, (command, s, reply.errors)
    assert live_entities(fm_world, started) == []
