"""The /playlist show pager through the simulator: its buttons carry the playlist id and the page, so they keep
working after a rename, after another playlist takes the old name, and after the bot restarts; they never reach
another server's playlist, and nothing is kept alive per message."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import sys
from collections.abc import AsyncIterator

import discord
import pytest

from bot.config import Settings
from bot.domain.models import Track
from bot.domain.permissions import Actor
from bot.sandbox.discord_sim import DiscordSimulator, SimGuild, SimMember
from bot.sandbox.harness import sharify_on
from bot.tree import UNEXPECTED

pytestmark = pytest.mark.e2e


async def filled(world, name: str, count: int, *, label: str = "Song", guild: SimGuild | None = None) -> None:
    """A playlist of `count` tracks, made through the service (the pager is what is under test here)."""
    service = world.app.services.playlists
    service.limits = dataclasses.replace(service.limits, max_tracks=1_000)
    actor = Actor(guild_id=(guild or world.guild).id, user_id=world.alice.user.id)
    await service.create(actor, name)
    tracks = [Track(artist=f"Artist {n}", title=f"{label} {n}") for n in range(1, count + 1)]
    await service.add(actor, name, tracks)


def footer(reply) -> str:
    return reply.embeds[0]["footer"]["text"]


def disabled(reply) -> dict[str, bool]:
    return {c["label"]: bool(c.get("disabled")) for _, c in reply.iter_components() if c.get("type") == 2}


def assert_ephemeral_error(reply, fragment: str) -> None:
    assert reply.ephemeral, reply.content
    assert fragment in reply.content, reply.content
    assert UNEXPECTED not in reply.content


async def test_any_member_walks_the_pages_and_buttons_fit_discord(world):
    await filled(world, "Chill", 23)
    r = await world.run(world.alice, "playlist show", name="Chill")
    assert "Page 1/3" in footer(r)
    assert disabled(r) == {"First": True, "Prev": True, "Next": False, "Last": False}
    ids = [c["custom_id"] for _, c in r.iter_components() if c.get("type") == 2]
    assert len(set(ids)) == 4 and all(len(i) <= 100 for i in ids), ids

    r2 = await world.sim.click(r, "Next", user=world.bob)  # the list is public: anyone may turn its pages
    assert not r2.ephemeral and "Page 2/3" in footer(r2) and "Song 11" in r2.embeds[0]["description"]
    assert disabled(r) == {"First": False, "Prev": False, "Next": False, "Last": False}
    r3 = await world.sim.click(r, "Last")
    assert "Page 3/3" in footer(r3) and "Song 23" in r3.embeds[0]["description"]
    assert disabled(r) == {"First": False, "Prev": False, "Next": True, "Last": True}
    r4 = await world.sim.click(r, "Prev", user=world.mod)
    assert "Page 2/3" in footer(r4)
    r5 = await world.sim.click(r, "First")
    assert "Page 1/3" in footer(r5) and "Song 10" in r5.embeds[0]["description"]
    assert "Song 11" not in r5.embeds[0]["description"]
    assert len(world.sim.channel_messages(r.message.channel_id)) == 1  # every click edited the one message


async def test_one_page_has_no_buttons_and_last_follows_growth(world):
    await filled(world, "Short", 10)
    r = await world.run(world.alice, "playlist show", name="Short")
    assert "Page 1/1" in footer(r) and r.buttons() == []
    await filled(world, "Long", 11)
    r = await world.run(world.alice, "playlist show", name="Long")
    assert "Page 1/2" in footer(r)
    actor = Actor(guild_id=world.guild.id, user_id=world.alice.user.id)
    more = [Track(artist="Late", title=f"Extra {n}") for n in range(1, 11)]
    await world.app.services.playlists.add(actor, "Long", more)  # now 21 tracks: three pages
    r2 = await world.sim.click(r, "Last")
    assert "Page 3/3" in footer(r2) and "Extra 10" in r2.embeds[0]["description"]


async def test_next_still_works_after_a_rename(world):
    await filled(world, "Chill", 15)
    r = await world.run(world.alice, "playlist show", name="Chill")
    renamed = await world.run(world.alice, "playlist rename", name="Chill", new_name="Warm")
    assert "Renamed to **Warm**" in renamed.content
    r2 = await world.sim.click(r, "Next")
    assert not r2.ephemeral, r2.content
    assert r2.embeds[0]["title"] == "🎵 Warm" and "Page 2/2" in footer(r2)
    assert "Song 15" in r2.embeds[0]["description"]


async def test_prev_shows_the_original_playlist_after_its_old_name_is_reused(world):
    await filled(world, "Chill", 15, label="Original")
    r = await world.run(world.alice, "playlist show", name="Chill", page=2)
    assert "Page 2/2" in footer(r)
    await world.run(world.alice, "playlist rename", name="Chill", new_name="Old Chill")
    await filled(world, "Chill", 30, label="Impostor")
    r2 = await world.sim.click(r, "Prev")
    description = r2.embeds[0]["description"]
    assert r2.embeds[0]["title"] == "🎵 Old Chill"
    assert "Page 1/2" in footer(r2) and "Original 1" in description and "Impostor" not in description


async def test_a_trashed_then_purged_playlist_gets_a_clear_private_answer(world):
    await filled(world, "Chill", 15)
    r = await world.run(world.alice, "playlist show", name="Chill")
    await world.run(world.alice, "playlist delete", name="Chill")
    trashed = await world.sim.click(r, "Next", user=world.bob)
    assert_ephemeral_error(trashed, "deleted or moved to the trash")
    assert "Page 1/2" in footer(r)  # the public message is left as it was

    service = world.app.services.playlists
    service.limits = dataclasses.replace(service.limits, trash_days=0)
    assert await service.purge_trash() == 1
    purged = await world.sim.click(r, "Last")
    assert_ephemeral_error(purged, "deleted or moved to the trash")


async def test_a_button_carrying_another_servers_playlist_finds_nothing(world):
    await filled(world, "Chill", 15, label="Lounge only")
    here = await world.run(world.alice, "playlist show", name="Chill")
    their_id = here.components[0]["components"][2]["custom_id"].split(":")[2]

    await filled(world, "Theirs", 15, label="Elsewhere", guild=world.other_guild)
    there = await world.run(world.stranger, "playlist show", name="Theirs", guild=world.other_guild)
    # A forged button in the other server pointing at this server's playlist (Discord would not send one, but
    # the bot must not rely on that): the lookup is by server and id, so it finds nothing.
    button = there.message.components[0]["components"][2]
    own_id = button["custom_id"].split(":")[2]
    button["custom_id"] = button["custom_id"].replace(own_id, their_id)
    forged = await world.sim.click(there, "Next", user=world.stranger)
    assert_ephemeral_error(forged, "deleted or moved to the trash")
    assert "Lounge only" not in forged.text() and "Lounge only" not in there.embeds[0]["description"]


async def test_shows_keep_no_view_alive(world):
    await filled(world, "Chill", 25)
    for _ in range(3):
        await world.run(world.alice, "playlist show", name="Chill")
    gc.collect()
    before = sum(isinstance(o, discord.ui.View) for o in gc.get_objects())
    for _ in range(20):
        await world.run(world.bob, "playlist show", name="Chill")
    gc.collect()
    after = sum(isinstance(o, discord.ui.View) for o in gc.get_objects())
    assert after - before <= 1, (before, after)


async def test_a_slow_page_defers_then_updates_the_same_message(world, monkeypatch):
    await filled(world, "Chill", 15)
    service = world.app.services.playlists
    page_of = service.page_of

    async def slow_page_of(*args: object, **kwargs: object):
        for _ in range(50):  # a store that answers after the click's budget (yields only, no wall-clock sleep)
            await asyncio.sleep(0)
        return await page_of(*args, **kwargs)

    monkeypatch.setattr(service, "page_of", slow_page_of)
    # the bot loads its extensions afresh (and drops them on close): patch the module its buttons run in now
    monkeypatch.setattr(sys.modules["cogs.playlists.views"], "CLICK_BUDGET", 0.0)
    r = await world.run(world.alice, "playlist show", name="Chill")
    r2 = await world.sim.click(r, "Next")
    assert r2.deferred and not r2.ephemeral
    assert "Page 2/2" in footer(r) and "Song 15" in r.embeds[0]["description"]
    await world.run(world.alice, "playlist delete", name="Chill")
    gone = await world.sim.click(r, "Prev")
    assert gone.deferred
    assert any(m.ephemeral and "deleted or moved" in m.content for m in gone.messages), gone.messages
    assert "Page 2/2" in footer(r)


@contextlib.asynccontextmanager
async def lounge() -> AsyncIterator[tuple[DiscordSimulator, SimGuild, SimMember]]:
    async with DiscordSimulator() as sim:
        guild = sim.add_guild("Lounge")
        yield sim, guild, sim.add_member(guild, "alice")
        assert not sim.missed_deadlines, sim.missed_deadlines


async def test_buttons_work_after_the_bot_restarts_on_the_same_data(settings: Settings):
    settings = settings.model_copy(update={"max_tracks_per_playlist": 100})
    async with lounge() as (sim, guild, alice):
        async with sharify_on(sim, settings) as app:
            actor = Actor(guild_id=guild.id, user_id=alice.user.id)
            await app.services.playlists.create(actor, "Chill")
            tracks = [Track(artist=f"Artist {n}", title=f"Song {n}") for n in range(1, 26)]
            await app.services.playlists.add(actor, "Chill", tracks)
            r = await sim.command(guild, alice, "playlist show", name="Chill")
            assert "Page 1/3" in footer(r)
        async with sharify_on(sim, settings) as again:
            assert again.bot is not app.bot
            r2 = await sim.click(r, "Next")
            assert not r2.ephemeral, r2.content
            assert "Page 2/3" in footer(r2) and "Song 20" in r2.embeds[0]["description"]
            r3 = await sim.click(r, "Last")
            assert "Page 3/3" in footer(r3) and "Song 25" in r3.embeds[0]["description"]


async def test_the_pager_shows_an_anonymous_rounds_submitters_to_managers_only(world):
    await filled(world, "Drive", 12)  # alice's tracks, before the round
    owner = Actor(guild_id=world.guild.id, user_id=world.alice.user.id)
    await world.app.services.rounds.start(owner, "Drive", "night drive", channel_id=1, anonymous=True)
    bob = Actor(guild_id=world.guild.id, user_id=world.bob.user.id)
    await world.app.services.playlists.add(bob, "Drive", [Track(artist="Secret", title="Pick")])
    r = await world.run(world.alice, "playlist show", name="Drive")
    as_mod = await world.sim.click(r, "Next", user=world.mod)
    assert "Secret" in as_mod.embeds[0]["description"]
    assert f"<@{world.bob.user.id}>" in as_mod.embeds[0]["description"]
    await world.sim.click(r, "Prev", user=world.alice)
    as_member = await world.sim.click(r, "Next", user=world.alice)
    assert "Secret" in as_member.embeds[0]["description"]
    assert f"<@{world.bob.user.id}>" not in as_member.embeds[0]["description"]
    assert "hidden until the reveal" in as_member.embeds[0]["description"]
