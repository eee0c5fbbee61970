"""Every change and its history are one write, seen from a member: a failed write changes nothing and says so;
a change that was made is never reported as failed; undo on a trashed playlist is refused the same way always."""

from __future__ import annotations

import sqlite3

import pytest

pytestmark = pytest.mark.e2e

UNEXPECTED = "Something went wrong"


def _fail_event_writes(world, on: bool) -> None:
    """A real write failure inside the store: a trigger that aborts every history write (as a full disk would)."""
    db = sqlite3.connect(world.app.bot.services.settings.sqlite_path)
    try:
        if on:
            db.execute("CREATE TRIGGER fail_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        else:
            db.execute("DROP TRIGGER IF EXISTS fail_events")
        db.commit()
    finally:
        db.close()


async def _titles(world, name: str) -> list[str]:
    playlist = await world.app.services.playlists.get(world.guild.id, name)
    return [e.track.title for e in await world.app.storage.entries.page(world.guild.id, playlist.id)]


async def test_an_add_whose_history_cannot_be_written_is_not_made_and_a_retry_adds_once(world):
    await world.run(world.alice, "playlist create", name="Chill")
    _fail_event_writes(world, on=True)
    try:
        failed = await world.run(world.alice, "playlist add", name="Chill", track="Air - La femme d'argent")
    finally:
        _fail_event_writes(world, on=False)
    assert failed.ephemeral and UNEXPECTED in failed.content
    assert await _titles(world, "Chill") == []  # told "failed": nothing was changed

    retried = await world.run(world.alice, "playlist add", name="Chill", track="Air - La femme d'argent")
    assert "Added" in retried.content
    assert await _titles(world, "Chill") == ["La femme d'argent"]  # the retry adds it once
    history = await world.run(world.alice, "playlist history", name="Chill")
    assert "femme" in history.embeds[0]["description"]  # and its history says so
    undone = await world.run(world.alice, "playlist undo")
    assert "Undone" in undone.content and await _titles(world, "Chill") == []


@pytest.mark.parametrize("change", ["add", "remove", "move", "rename"])
async def test_undo_on_a_trashed_playlist_says_to_restore_it_first(world, change):
    await world.run(world.alice, "playlist create", name="Chill")
    await world.run(world.alice, "playlist add", name="Chill", track="A - one")
    await world.run(world.alice, "playlist add", name="Chill", track="B - two")
    steps = {
        "add": ("playlist add", {"name": "Chill", "track": "C - three"}),
        "remove": ("playlist remove", {"name": "Chill", "track": "1"}),
        "move": ("playlist move", {"name": "Chill", "track": "1", "to": 2}),
        "rename": ("playlist rename", {"name": "Chill", "new_name": "Calm"}),
    }
    command, values = steps[change]
    assert not (await world.run(world.alice, command, **values)).errors
    name = "Calm" if change == "rename" else "Chill"
    before = await _titles(world, name)
    await world.run(world.mod, "playlist delete", name=name)  # a manager trashes it: alice's last change is inside

    refused = await world.run(world.alice, "playlist undo")
    assert refused.ephemeral and "in the trash" in refused.content and "/playlist restore" in refused.content

    await world.run(world.mod, "playlist restore", name=name)
    assert await _titles(world, name) == before  # the trashed playlist was not changed by the refused undo
    undone = await world.run(world.alice, "playlist undo")  # restored: her change can be undone now
    assert "Undone" in undone.content
