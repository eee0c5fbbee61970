"""Mixes and hostile text: Last.fm names every track, artist and tag a mix shows, and members type tags, seeds and
playlist names. Nothing of it may render live in a mix preview, its pages, its notes or its errors."""

from __future__ import annotations

import time

import pytest

from tests.cogs.hostile import HOSTILE
from tests.e2e.conftest import World
from tests.e2e.test_hostile_corpus_e2e import live_entities
from tests.e2e.test_mixes_e2e import finished

pytestmark = pytest.mark.e2e


def _hostile_catalogue(world: World, keep: set[int]) -> None:
    """Every track and artist of the stand-in renamed to a hostile string (a track exactly one of the corpus, an
    artist one with its number, so artists stay distinct), except the tracks in `keep` and their artists. Lookups
    still find tracks by their first names; every answer carries the new ones."""
    assert world.fm is not None and world.fm.catalog is not None
    catalog = world.fm.catalog
    kept_artists = {catalog.tracks[t].artist_id for t in keep}
    for track in catalog.tracks:
        if track.id not in keep:
            track.name = HOSTILE[track.id % len(HOSTILE)][:300]
    for artist in catalog.artists:
        if artist.id not in kept_artists:
            artist.name = f"{HOSTILE[(artist.id * 7) % len(HOSTILE)][:120]} {artist.id}"


async def _pages(world: World, reply) -> int:
    """Turn every page of a mix preview; how many were shown."""
    reply = await finished(reply)
    assert not reply.errors, reply.errors
    shown = 1
    while reply.embeds and any(
        c.get("label") == "Next" and not c.get("disabled") for row in reply.components for c in row["components"]
    ):
        reply = await world.sim.click(reply, "Next")
        assert not reply.errors, reply.errors
        shown += 1
    return shown


async def test_no_hostile_text_renders_live_in_any_mix(fm_world: World) -> None:
    assert fm_world.fm is not None and fm_world.fm.catalog is not None
    catalog = fm_world.fm.catalog
    started = time.time()
    seeds = catalog.tracks[:3]
    names = {t.id: f"{catalog.artist_of(t).name} - {t.name}" for t in seeds}
    user = next(name for name, u in catalog.users.items() if not u.private and u.top)
    await fm_world.run(fm_world.alice, "lastfm link", username=user)
    await fm_world.run(fm_world.alice, "lastfm consent", allow="on")
    await fm_world.run(fm_world.alice, "playlist create", name="base")
    for track in seeds:
        await fm_world.run(fm_world.alice, "playlist add", name="base", track=names[track.id])
    _hostile_catalogue(fm_world, keep={t.id for t in seeds})

    pages = 0
    pages += await _pages(fm_world, await fm_world.run(fm_world.alice, "mix mood", tags="ambient, jazz", size=40))
    pages += await _pages(fm_world, await fm_world.run(fm_world.alice, "mix similar", seed=names[seeds[0].id]))
    pages += await _pages(fm_world, await fm_world.run(fm_world.alice, "mix blend", member1=fm_world.alice))
    pages += await _pages(fm_world, await fm_world.run(fm_world.alice, "mix extend", playlist="base", count=20))
    assert pages >= 8  # every page of four mixes was rendered
    for s in HOSTILE:  # what members type: an unknown tag, an unknown seed, a playlist name, echoed in notes/errors
        for command, values in (
            ("mix mood", {"tags": f"ambient, {s[:50]}", "size": 3}),
            ("mix similar", {"seed": f"{s[:90]} - {s[:90]}", "seed2": names[seeds[1].id], "size": 3}),
            ("mix extend", {"playlist": s[:100], "count": 3}),
        ):
            reply = await finished(await fm_world.run(fm_world.alice, command, **values))
            assert not reply.errors, (command, s, reply.errors)
    assert live_entities(fm_world, started) == []
    assert not fm_world.sim.violations, fm_world.sim.violations[:3]
