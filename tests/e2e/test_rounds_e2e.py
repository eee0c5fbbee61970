"""End-to-end: a whole round through the real bot and the simulator. Six members submit through the Submit button
and its modal, the runner closes the round when the moved clock reaches its closing time, the bot restarts, the
members vote through the announcement's Vote button (it still works), and the runner reveals the ranking."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import discord
import pytest

from bot.app import App
from bot.config import Settings
from bot.sandbox.clock import SettableClock
from bot.sandbox.discord_sim import DiscordSimulator, SimChannel, SimGuild, SimMember
from bot.sandbox.harness import sharify_on
from tests.cogs.hostile import HOSTILE
from tests.e2e.conftest import World
from tests.e2e.test_hostile_corpus_e2e import live_entities

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday; 13:00 in Paris
FIELD = "Artist - Title, or words to search"


@dataclass
class Scene:
    sim: DiscordSimulator
    settings: Settings
    clock: SettableClock
    guild: SimGuild
    music: SimChannel
    owner: SimMember
    members: list[SimMember]

    def bot(self) -> contextlib.AbstractAsyncContextManager[App]:
        return sharify_on(self.sim, self.settings, clock=self.clock)

    def posts(self) -> list:
        return self.sim.channel_messages(self.music)


@pytest.fixture
async def scene(settings: Settings) -> AsyncIterator[Scene]:
    async with DiscordSimulator() as sim:
        guild = sim.add_guild("Lounge", channels=("general", "music"))
        owner = sim.add_member(guild, "owner", permissions=discord.Permissions(manage_guild=True))
        members = [sim.add_member(guild, f"member{i}") for i in range(6)]
        fast = settings.model_copy(update={"schedule_poll_seconds": 0.1})
        yield Scene(sim, fast, SettableClock(START), guild, guild.channel("music"), owner, members)
        assert not sim.violations, sim.violations


async def until(check: Callable[[], bool], *, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


def buttons(message: object) -> list[str]:
    rows = getattr(message, "components", None) or []
    return [c.get("label", "") for row in rows for c in row.get("components", [])]


async def test_a_whole_round_with_six_members_and_a_restart_between_close_and_reveal(scene: Scene) -> None:
    sim, m = scene.sim, scene.members
    async with scene.bot() as app:
        await app.storage.guilds.set_timezone(scene.guild.id, "Europe/Paris")
        started = await sim.command(
            scene.guild, scene.owner, "round start", in_channel=scene.music, playlist="Night drive",
            theme="songs for a night drive", per_member=2, closes="friday 18:00", voting="1d", anonymous=True,
        )  # fmt: skip
        (embed,) = started.embeds
        assert "songs for a night drive" in embed["title"] and "Fri 04 Dec 18:00 (Europe/Paris)" in embed["description"]
        assert buttons(started.message) == ["Submit"]
        announcement = started.message
        assert announcement is not None
        for i, member in enumerate(m):
            opened = await sim.click(started, "Submit", user=member)
            assert opened.modal is not None and opened.modal["title"] == "Submit a track"
            done = await sim.submit_modal(opened, {FIELD: f"Band {i} - Song {i}"}, user=member)
            assert done.ephemeral and "Submitted **Band" in done.content, done.content
        again = await sim.submit_modal(
            await sim.click(started, "Submit", user=m[1]), {FIELD: "band 0 - SONG 0"}, user=m[1]
        )
        assert "already submitted" in again.content
        # /playlist add follows the round: the quota of 2 is reached at the third.
        await sim.command(scene.guild, m[0], "playlist add", name="Night drive", track="Extra - One")
        over = await sim.command(scene.guild, m[0], "playlist add", name="Night drive", track="Extra - Two")
        assert "already submitted 2 tracks" in over.content, over.content
        shown = await sim.command(scene.guild, m[3], "playlist show", name="Night drive")
        text = shown.embeds[0]["description"]
        assert "hidden until the reveal" in text and not any(f"<@{x.id}>" in text for x in m)
        status = await sim.command(scene.guild, m[2], "round status")
        assert "7 tracks" in status.embeds[0]["description"] and "votes" not in str(status.embeds[0])
        # Friday 18:00 in Paris: the runner closes the round and edits the announcement.
        scene.clock.set(datetime(2026, 12, 4, 17, 0, 1, tzinfo=UTC))
        app.services.rounds.wake()
        await until(lambda: buttons(sim.state.messages[announcement.id]) == ["Vote"])
        late = await sim.command(scene.guild, m[5], "playlist add", name="Night drive", track="Late - Track")
        assert "closed" in late.content
    async with scene.bot() as app:  # a restart: the announcement's buttons keep working
        posted = sim.posted(sim.state.messages[announcement.id], user=m[0])
        # member0 votes for Band 1 and Band 2; members 1..5 vote for Band 0; member3 also for Band 5 (page 2).
        ballot = await sim.click(posted, "Vote", user=m[0])
        assert ballot.ephemeral and "Votes used: 0 of 3" in ballot.embeds[0]["description"]
        ballot = await sim.click(ballot, "2", user=m[0])
        ballot = await sim.click(ballot, "3", user=m[0])
        assert "Votes used: 2 of 3" in ballot.embeds[0]["description"]
        for member in m[1:]:
            mine = await sim.click(sim.posted(sim.state.messages[announcement.id], user=member), "Vote", user=member)
            mine = await sim.click(mine, "1", user=member)
            assert "Votes used: 1 of 3" in mine.embeds[0]["description"], mine.embeds[0]["description"]
            if member is m[3]:
                page2 = await sim.click(mine, "Next", user=member)
                assert "Page 2/2" in page2.embeds[0]["footer"]["text"]
                await sim.click(page2, "1", user=member)  # the 6th track: Band 5
        own = await sim.click(sim.posted(sim.state.messages[announcement.id], user=m[0]), "Vote", user=m[0])
        assert "(yours)" in own.embeds[0]["description"]
        status = await sim.command(scene.guild, m[2], "round status")
        assert "6 voters" in status.embeds[0]["description"]
        # The end of voting: the runner reveals the ranking in the channel.
        scene.clock.set(datetime(2026, 12, 5, 17, 0, 2, tzinfo=UTC))
        app.services.rounds.wake()
        await until(lambda: any("Results" in (e.get("title") or "") for p in scene.posts() for e in p.embeds))
        reveal = next(e for p in scene.posts() for e in p.embeds if "Results" in (e.get("title") or ""))
        body = reveal["description"]
        assert body.startswith(f"🏆 Winner: **Band 0** — Song 0 by <@{m[0].id}>"), body
        lines = [line for line in body.splitlines() if line.startswith("`")]
        assert "Band 0" in lines[0] and "5 votes" in lines[0]
        assert "Band 1" in lines[1] and "Band 2" in lines[2] and "Band 5" in lines[3]  # ties: the earlier first
        assert f"<@{m[1].id}>" in lines[1]  # the submitters are revealed
        turnout = next(f for f in reveal["fields"] if f["name"] == "Turn-out")["value"]
        assert "7 tracks from 6 members" in turnout and "6 voters, 8 votes" in turnout
        assert buttons(sim.state.messages[announcement.id]) == []
        shown = await sim.command(scene.guild, m[3], "playlist show", name="Night drive")
        first = shown.embeds[0]["description"].splitlines()[0]
        assert "Band 0" in first and f"<@{m[0].id}>" in first  # reordered by votes, and attributed again


async def test_hostile_themes_and_tracks_render_inert_in_every_round_message(world: World) -> None:
    started = time.time()
    rounds = 0
    for i, s in enumerate(HOSTILE):
        name = f"r{i}"
        made = await world.run(world.mod, "round start", playlist=name, theme=s[:200] or "x")
        if not made.embeds:
            continue  # a theme the domain refuses (control characters) gets an error reply, checked below too
        rounds += 1
        opened = await world.sim.click(made, "Submit", user=world.alice)
        await world.sim.submit_modal(opened, {FIELD: f"{s[:140]} - {s[:140]}"}, user=world.alice)
        await world.sim.submit_modal(
            await world.sim.click(made, "Submit", user=world.bob), {FIELD: s[:300]}, user=world.bob
        )
        await world.run(world.alice, "round status", playlist=name)
        await world.run(world.mod, "round close", playlist=name)
        ballot = await world.sim.click(world.sim.posted(made.message, user=world.bob), "Vote", user=world.bob)
        if any(c for row in ballot.components for c in row.get("components", []) if c.get("label") == "1"):
            await world.sim.click(ballot, "1", user=world.bob)
        await world.run(world.mod, "round reveal", playlist=name)
        await world.run(world.alice, "playlist show", name=name)
        await world.run(world.alice, "playlist history", name=name)
    assert rounds >= len(HOSTILE) // 2
    ours = {str(c) for g in (world.guild, world.other_guild) for c in g.channels}  # "announced in #general"
    foreign = [(e, text) for e, text in live_entities(world, started) if not (e.kind == "channel" and e.value in ours)]
    assert foreign == []


async def test_cancel_asks_first_and_only_someone_who_may_end_the_round_is_asked(world: World) -> None:
    made = await world.run(world.mod, "round start", playlist="Drive", theme="Night drive")
    assert made.embeds
    refused = await world.run(world.alice, "round cancel", playlist="Drive")  # not the owner, not a manager
    assert refused.ephemeral and not refused.components and "Cancel the round" not in refused.text()
    asked = await world.run(world.mod, "round cancel", playlist="Drive")
    assert asked.ephemeral and "can't be undone" in asked.content
    still = await world.run(world.mod, "round status", playlist="Drive")
    assert "Night drive" in still.text()  # nothing changes until the answer
    done = await world.sim.click(asked, "Cancel the round")
    (answer,) = done.followups
    assert answer.ephemeral and "cancelled" in answer.content
    after = await world.run(world.mod, "round status", playlist="Drive")
    assert "has no round running" in after.content
