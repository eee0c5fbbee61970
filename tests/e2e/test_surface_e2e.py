"""The command surface members and admins see: /help, /about, hidden admin commands, forget-me, and what
happens to a server's data when the bot is removed from it and added back."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.sandbox.discord_sim import CommandUnavailable
from cogs.common import FORMER_MEMBER
from cogs.help.embeds import version
from tests.e2e.conftest import World
from tests.e2e.test_hostile_corpus_e2e import live_entities

pytestmark = pytest.mark.e2e


async def test_help_and_about_answer_only_the_asker(world: World) -> None:
    r = await world.run(world.alice, "help")
    assert r.ephemeral and "/playlist add" in r.text() and "e.g. `/playlist create name:Road trip" in r.text()
    assert [f["name"] for f in r.embeds[0]["fields"]][:2] == ["Playlists", "Tracks"]
    r = await world.run(world.alice, "about")
    assert r.ephemeral and version() != "unknown" and version() in r.text()
    assert "forget-me" in r.text() and "after 30 days" in r.text()


async def test_admin_commands_are_hidden_from_members_without_manage_server(world: World) -> None:
    admin = next(c for c in world.sim.commands[None] if c["name"] == "sharify-admin")
    assert int(admin["default_member_permissions"]) == 1 << 5  # MANAGE_GUILD
    member = next(c for c in world.sim.commands[None] if c["name"] == "sharify")
    assert member.get("default_member_permissions") is None  # forget-me is every member's
    with pytest.raises(CommandUnavailable, match="sharify-admin"):
        await world.run(world.bob, "sharify-admin managers list")
    r = await world.run(world.mod, "sharify-admin managers list")  # Manage Server, through a role
    assert r.ephemeral and "Playlist managers" in r.content
    r = await world.sim.command(world.guild, world.guild.owner_id, "sharify-admin managers list")  # the owner
    assert r.ephemeral and "Playlist managers" in r.content


async def test_forget_me_asks_first_then_anonymizes(world: World) -> None:
    started = time.time()
    await world.run(world.alice, "playlist create", name="Chill")
    await world.run(world.alice, "playlist add", name="Chill", track="A - one")
    asked = await world.run(world.alice, "sharify forget-me")
    assert asked.ephemeral and "can't be undone" in asked.content
    refused = await world.sim.click(asked, "Forget me", user=world.bob)  # only the asker may answer
    assert refused.ephemeral and "someone else" in refused.content
    assert f"<@{world.alice.id}>" in (await world.run(world.bob, "playlist show", name="Chill")).text()
    done = await world.sim.click(asked, "Forget me")
    (answer,) = done.followups
    assert answer.ephemeral and "1 track and 2 changes" in answer.content, answer.content
    shown = (await world.run(world.bob, "playlist show", name="Chill")).text()
    assert f"<@{world.alice.id}>" not in shown and FORMER_MEMBER in shown
    history = (await world.run(world.bob, "playlist history", name="Chill")).text()
    assert f"<@{world.alice.id}>" not in history and FORMER_MEMBER in history
    assert live_entities(world, started) == []


async def test_cancel_keeps_everything(world: World) -> None:
    await world.run(world.alice, "playlist create", name="Chill")
    asked = await world.run(world.alice, "sharify forget-me")
    r = await world.sim.click(asked, "Cancel")
    assert "nothing was changed" in r.content
    assert f"<@{world.alice.id}>" in (await world.run(world.bob, "playlist show", name="Chill")).text()


async def _until(predicate, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        assert time.monotonic() < deadline, "the bot did not handle the gateway event in time"
        await asyncio.sleep(0.02)


async def test_removal_marks_the_server_and_adding_back_cancels(world: World) -> None:
    guilds = world.app.storage.guilds
    await world.sim.remove_bot(world.guild)

    async def marked() -> bool:
        return (await guilds.settings(world.guild.id)).removed_at is not None

    await _until(marked)
    await world.sim.add_bot_back(world.guild)

    async def cleared() -> bool:
        return not await marked()

    await _until(cleared)
    assert (await guilds.settings(world.other_guild.id)).removed_at is None
