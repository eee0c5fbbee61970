"""Every /playlist and /sharify command through the simulator: happy paths, permissions and bad input.

The bot is the real one (real composition root, real SQLite store) and talks to the simulator over HTTP and
WebSocket; the simulator enforces Discord's limits and the 3 s deadline, so a broken reply fails here."""

from __future__ import annotations

import pytest

from bot.tree import UNEXPECTED

pytestmark = pytest.mark.e2e


def assert_error(reply, *fragments: str) -> None:
    assert reply.ephemeral, f"errors must be ephemeral: {reply.content!r}"
    for fragment in fragments:
        assert fragment in reply.content, reply.content
    assert UNEXPECTED not in reply.content
    assert "Traceback" not in reply.content and "Error" not in reply.content.split(" ")[0]


async def make(world, name="Chill", user=None, **kw):
    r = await world.run(user or world.alice, "playlist create", name=name, **kw)
    assert "Created" in r.content, r.content
    return r


async def add(world, name, *tracks, user=None):
    for track in tracks:
        r = await world.run(user or world.alice, "playlist add", name=name, track=track)
        assert "Added" in r.content, r.content


async def shown(world, name, page=1):
    r = await world.run(world.alice, "playlist show", name=name, page=page)
    return r.embeds[0]["description"]


async def test_create_add_show(world):
    r = await make(world, description="late night")
    assert "Created **Chill** (open)" in r.content and not r.ephemeral
    r = await world.run(world.bob, "playlist add", name="chill", track="Daft Punk - One More Time")
    assert "Added **Daft Punk** — One More Time to **Chill**" in r.content
    r = await world.run(world.alice, "playlist show", name="chill")
    embed = r.embeds[0]
    assert embed["title"] == "🎵 Chill"
    assert "One More Time" in embed["description"] and "late night" in embed["description"]
    assert f"<@{world.bob.user.id}>" in embed["description"]
    assert r.buttons() == []  # one page: nothing to turn


async def test_every_reply_disables_mass_mentions(world):
    await make(world, name="@everyone party")
    await add(world, "@everyone party", "@here - <@&1234567890123456789>")
    await world.run(world.alice, "playlist show", name="@everyone party")
    payloads = []
    for request in world.sim.requests:
        body = request.json
        if isinstance(body, dict) and body.get("type") in (4, 7):
            payloads.append(body.get("data") or {})
        elif isinstance(body, dict) and request.method in ("POST", "PATCH") and "/webhooks/" in request.path:
            payloads.append(body)
    assert len(payloads) >= 3
    for payload in payloads:
        assert payload.get("allowed_mentions") == {"parse": []}, payload


@pytest.mark.parametrize(
    ("values", "fragments"),
    [
        ({"name": "   "}, ("can't be empty",)),
        ({"name": "x" * 101}, ("too long", "at most 100")),
        ({"name": "bad\u0007name"}, ("control characters",)),
        ({"name": "ok", "description": "d" * 301}, ("description is too long",)),
    ],
)
async def test_create_rejects_bad_input(world, values, fragments):
    assert_error(await world.run(world.alice, "playlist create", **values), *fragments)
    listing = await world.run(world.alice, "playlist list")
    assert "No playlists yet" in listing.embeds[0]["description"]


async def test_duplicate_names_and_unknown_playlists(world):
    await make(world)
    assert_error(await world.run(world.bob, "playlist create", name="CHILL"), "already exists")
    assert_error(await world.run(world.bob, "playlist show", name="nope"), 'no playlist named "nope"')
    assert_error(await world.run(world.bob, "playlist add", name="nope", track="A - B"), "no playlist")
    assert_error(await world.run(world.bob, "playlist add", name="chill", track="no separator"), "Artist - Title")


async def test_playlists_are_invisible_from_another_server(world):
    await make(world)
    r = await world.run(world.stranger, "playlist show", name="Chill", guild=world.other_guild)
    assert_error(r, "no playlist named")
    r = await world.run(world.stranger, "playlist list", guild=world.other_guild)
    assert "Chill" not in r.text()


async def test_remove_by_position_and_by_autocomplete_choice(world):
    await make(world)
    await add(world, "Chill", "A - one", "B - two", "C - three")
    choices = await world.sim.autocomplete(
        world.guild, world.alice, "playlist remove", focused="track", name="Chill", track="two"
    )
    assert [c["name"] for c in choices] == ["2. B - two"]
    r = await world.run(world.alice, "playlist remove", name="Chill", track=choices[0]["value"])
    assert "Removed **B** — two" in r.content
    r = await world.run(world.alice, "playlist remove", name="Chill", track="1")
    assert "Removed **A** — one" in r.content
    assert_error(await world.run(world.alice, "playlist remove", name="Chill", track="7"), "no such track")
    assert "three" in await shown(world, "Chill")


async def test_move_and_dedupe(world):
    await make(world)
    await add(world, "Chill", "A - one", "B - two", "a -  ONE", "C - three")
    r = await world.run(world.alice, "playlist move", name="Chill", track="4", to=1)
    assert "to #1" in r.content
    r = await world.run(world.alice, "playlist dedupe", name="Chill")
    assert "Removed 1 duplicate(s)" in r.content and "ONE" in r.content
    description = await shown(world, "Chill")
    assert description.index("three") < description.index("one") < description.index("two")
    r = await world.run(world.alice, "playlist dedupe", name="Chill")
    assert r.ephemeral and "No duplicates" in r.content


async def test_limit_reached_is_explained(world):
    await make(world)
    await add(world, "Chill", *(f"A - {n}" for n in range(5)))
    assert_error(await world.run(world.alice, "playlist add", name="Chill", track="A - 6"), "full", "5")


async def test_modes_and_collaborators(world):
    await make(world, mode="collaborative")
    assert_error(await world.run(world.bob, "playlist add", name="Chill", track="A - B"), "collaborative")
    r = await world.run(world.alice, "playlist collaborators add", name="Chill", role=world.dj)
    assert "Added" in r.content and f"<@&{world.dj.id}>" in r.content
    await add(world, "Chill", "A - B", user=world.bob)
    assert_error(await world.run(world.bob, "playlist mode", name="Chill", mode="open"), "Only the owner")
    r = await world.run(world.alice, "playlist mode", name="Chill", mode="locked")
    assert "locked" in r.content
    assert_error(await world.run(world.bob, "playlist add", name="Chill", track="C - D"), "locked")
    await add(world, "Chill", "C - D", user=world.mod)  # Manage Server
    r = await world.run(world.alice, "playlist collaborators remove", name="Chill", role=world.dj)
    assert "Removed" in r.content
    assert_error(await world.run(world.alice, "playlist collaborators add", name="Chill"), "member or a role")


async def test_manager_roles_are_configured_by_manage_server_members(world):
    await make(world, mode="locked")
    assert_error(await world.run(world.alice, "sharify managers add", role=world.dj), "Manage Server")
    r = await world.run(world.mod, "sharify managers add", role=world.dj)
    assert r.ephemeral and "manages every playlist" in r.content
    await add(world, "Chill", "A - B", user=world.bob)  # bob has the DJ role
    r = await world.run(world.mod, "sharify managers list")
    assert f"<@&{world.dj.id}>" in r.content


async def test_rename_describe_delete_restore(world):
    await make(world)
    await add(world, "Chill", "A - B")
    assert_error(await world.run(world.bob, "playlist rename", name="Chill", new_name="Mine"), "Only the owner")
    r = await world.run(world.alice, "playlist rename", name="Chill", new_name="Evening")
    assert "Renamed to **Evening**" in r.content
    r = await world.run(world.alice, "playlist describe", name="Evening", description="for dinner")
    assert "Updated the description" in r.content
    r = await world.run(world.alice, "playlist delete", name="Evening")
    assert "trash" in r.content and "30 days" in r.content
    assert_error(await world.run(world.alice, "playlist show", name="Evening"), "no playlist")
    trash = await world.run(world.alice, "playlist list", trash=True)
    assert "Evening" in trash.embeds[0]["description"]
    choices = await world.sim.autocomplete(world.guild, world.alice, "playlist restore", focused="name", name="ev")
    assert [c["value"] for c in choices] == ["Evening"]
    r = await world.run(world.alice, "playlist restore", name="Evening")
    assert "Restored **Evening** with its 1 tracks" in r.content
    assert "for dinner" in await shown(world, "Evening")


async def test_history_and_undo(world):
    await make(world)
    await add(world, "Chill", "A - one", "B - two")
    await world.run(world.bob, "playlist remove", name="Chill", track="1")
    r = await world.run(world.alice, "playlist history", name="Chill")
    assert r.ephemeral
    text = r.embeds[0]["description"]
    assert "removed A - one" in text and "added B - two" in text and 'created "Chill"' in text
    assert_error(await world.run(world.alice, "playlist undo", member=world.bob), "Only server managers")
    r = await world.run(world.bob, "playlist undo")
    assert "Undone: removed A - one" in r.content
    assert "one" in await shown(world, "Chill")
    assert_error(await world.run(world.bob, "playlist undo"), "nothing to undo")
    r = await world.run(world.mod, "playlist undo", member=world.alice)
    assert "Undone: added B - two" in r.content


async def test_name_autocomplete_is_prefix_matched_and_capped(world):
    for n in range(30):
        await make(world, name=f"mix {n:02d}")
    await make(world, name="other")
    choices = await world.sim.autocomplete(world.guild, world.alice, "playlist show", focused="name", name="MIX")
    assert len(choices) == 25
    assert all(c["name"].startswith("mix ") for c in choices)
