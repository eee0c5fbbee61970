"""Export, import, paste and links through the real bot and the simulator, with real attachments: a file the bot
sends is downloaded back and imported again; the review's buttons (Import, matched only, Cancel, expiry, another
member pressing); bad and hostile files."""

from __future__ import annotations

import sys
import time

import pytest

from bot.domain import formats
from bot.sandbox.discord_sim import SimFile
from tests.cogs.hostile import HOSTILE
from tests.e2e.conftest import World
from tests.e2e.test_hostile_corpus_e2e import live_entities

pytestmark = pytest.mark.e2e


async def titles(world: World, name: str) -> list[str]:
    page = await world.app.services.playlists.page(world.guild.id, name, 1, size=50)
    return [e.track.title for _, e in page.entries]


async def names(world: World) -> list[str]:
    return [p.name for p in await world.app.services.playlists.playlists(world.guild.id)]


async def test_export_then_import_the_same_file_round_trips_through_the_bot(world):
    await world.run(world.alice, "playlist create", name="Road trip")
    for track in ("Daft Punk - One More Time", "Air - La femme d'argent", "Justice - D.A.N.C.E."):
        await world.run(world.alice, "playlist add", name="Road trip", track=track)
    exported = await world.run(world.alice, "playlist export", name="road trip", format="xspf")
    [(filename, data)] = exported.files
    assert filename == "Road_trip.xspf" and "3 tracks as XSPF" in exported.content
    back = formats.read(data, max_bytes=2**20, max_tracks=100)
    assert back.name == "Road trip" and [e.track.title for e in back.entries] == await titles(world, "Road trip")

    review = await world.run(world.bob, "playlist import", file=SimFile(filename, data))
    assert "Review the import" in review.text() and "new playlist **Road trip \\(2\\)**" in review.text()
    assert "3 unmatched" in review.text() and "not checked" in review.text()  # no Last.fm on this bot
    assert await names(world) == ["Road trip"]  # nothing written before the decision
    done = await world.sim.click(review, "Import")
    assert "Created **Road trip \\(2\\)**: imported 3 tracks" in done.content and done.buttons() == []
    assert await titles(world, "Road trip (2)") == await titles(world, "Road trip")


async def test_matched_only_and_someone_else_pressing(fm_world):
    world = fm_world
    assert world.fm is not None and world.fm.catalog is not None
    known = world.fm.catalog.tracks[:2]
    lines = [f"{world.fm.catalog.artist_of(t).name} - {t.name}" for t in known] + ["Nobody Ever - Unknown Song"]
    data = ("\n".join(lines) + "\n" + lines[0].upper() + "\n").encode()
    review = await world.run(world.alice, "playlist import", file=SimFile("mine.txt", data), name="Found")
    assert "3 matched" in review.text() and "1 unmatched" in review.text() and "(not found)" in review.text()
    assert world.fm.count("track.getInfo") == 3  # four lines, three distinct tracks: each asked once
    assert review.message is not None
    shown = [h.get("content") or "" for h in review.message.history] + [review.content]
    assert any("Matching on Last.fm: 0 of 4" in c for c in shown)  # progress on the deferred reply

    other = await world.sim.click(review, "Import", user=world.bob)
    assert other.ephemeral and "Only the member who started" in other.content
    assert await names(world) == []
    done = await world.sim.click(review, "Import matched only")
    assert "imported 3 tracks" in done.content and "unverified" not in done.content
    assert await titles(world, "Found") == [known[0].name, known[1].name, known[0].name]


async def test_cancel_writes_nothing_and_an_expired_review_says_so(world):
    data = b"A - B\nC - D\n"
    review = await world.run(world.alice, "playlist import", file=SimFile("x.txt", data), name="Never")
    cancelled = await world.sim.click(review, "Cancel")
    assert "cancelled" in cancelled.content and cancelled.buttons() == []
    assert await names(world) == []

    review = await world.run(world.alice, "playlist import", file=SimFile("x.txt", data), name="Late")
    world.app.services.transfer.reviews.ttl_s = 0  # ten minutes pass
    late = await world.sim.click(review, "Import")
    assert "expired" in late.content and late.buttons() == ["Expired"]
    assert await names(world) == []


async def test_paste_through_the_modal_then_import_into_an_existing_playlist(world):
    await world.run(world.alice, "playlist create", name="Mix")
    opened = await world.run(world.alice, "playlist paste", into="mix")
    assert opened.modal is not None and opened.modal["title"] == "Paste tracks"
    review = await world.sim.submit_modal(opened, {"Tracks, one per line": "Air - Alone in Kyoto\n\nnot a track\n"})
    assert "into the playlist **Mix**" in review.text() and "Skipped 1 line" in review.text()
    done = await world.sim.click(review, "Import")
    assert "Updated **Mix**" in done.content and await titles(world, "Mix") == ["Alone in Kyoto"]


async def test_permission_is_checked_before_the_modal(world):
    await world.run(world.alice, "playlist create", name="Mine", mode="locked")
    denied = await world.run(world.bob, "playlist paste", into="Mine")
    assert denied.modal is None and denied.ephemeral and "locked" in denied.content


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"just some words\nand more words\n", "(line 1)"),
        (b"", "empty"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><playlist/>', "entities"),
        (b"A - B\n" * 6, "room for 5"),  # the e2e bot holds 5 tracks a playlist
    ],
)
async def test_a_bad_file_gets_a_private_clear_error_and_nothing_is_written(world, data, expected):
    reply = await world.run(world.alice, "playlist import", file=SimFile("bad.txt", data))
    assert reply.ephemeral and expected in reply.content and reply.buttons() == []
    assert await names(world) == []
    alive = await world.run(world.alice, "playlist list")  # the bot keeps answering
    assert alive.embeds


async def test_a_file_over_the_limit_is_refused_before_it_is_downloaded(world):
    big = b"A - B\n" * (2 * 1024 * 1024 // 6 + 10)
    reply = await world.run(world.alice, "playlist import", file=SimFile("big.txt", big))
    assert reply.ephemeral and "limit for imports" in reply.content
    assert not [r for r in world.sim.requests if r.path.startswith("/attachments/")]


async def test_links_for_one_platform_are_paged_and_sharify_built(world, monkeypatch):
    monkeypatch.setattr(sys.modules["cogs.playlists.transfer"], "LINKS_PAGE", 2)
    await world.run(world.alice, "playlist create", name="Links")
    for track in ("Air - Alone in Kyoto", "Sigur Rós - Hoppípolla", "Björk - Jóga"):
        await world.run(world.alice, "playlist add", name="Links", track=track)
    first = await world.run(world.bob, "playlist links", name="links", platform="Bandcamp")
    text = first.embeds[0]["description"]
    assert "1. [Air — Alone in Kyoto](https://bandcamp.com/search?q=Air+Alone+in+Kyoto&item_type=t)" in text
    assert "Page 1 of 2" in first.embeds[0]["footer"]["text"]
    second = await world.sim.click(first, "Next")
    assert (
        "3. [Björk — Jóga](https://bandcamp.com/search?q=Bj%C3%B6rk+J%C3%B3ga&item_type=t)"
        in second.embeds[0]["description"]
    )


async def test_hostile_files_render_nothing_live(world, monkeypatch):
    monkeypatch.setattr(sys.modules["cogs.playlists.transfer_embeds"], "REVIEW_PAGE", 2)
    started = time.time()
    for i in range(0, len(HOSTILE), 4):
        chunk = [h.replace("\n", " ").replace("\r", " ") for h in HOSTILE[i : i + 4]]
        data = "".join(f"{h} - {h}\n" for h in chunk).encode()
        review = await world.run(world.alice, "playlist import", file=SimFile("evil.txt", data), name=f"h{i}")
        if not review.buttons():
            continue  # a line the reader refused: the error named it, and it is scanned too
        while "Next" in review.buttons() and not _disabled(review, "Next"):
            review = await world.sim.click(review, "Next")
        await world.sim.click(review, "Import")
        await world.run(world.alice, "playlist links", name=f"h{i}", platform="Spotify")
        await world.run(world.alice, "playlist export", name=f"h{i}", format="txt")
    assert await names(world)  # some imports did happen
    assert live_entities(world, started) == []


def _disabled(reply, label: str) -> bool:
    return any(c.get("label") == label and c.get("disabled") for _, c in reply.iter_components())
