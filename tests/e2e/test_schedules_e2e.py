"""End-to-end: scheduled posts through the real bot and the simulator, with a clock the test moves.

The post arrives with its embed, nonce and a working pager (after a restart on the same data too); two bots on one
database post each occurrence once; a claimant that stopped before posting is replaced after its lease; a deleted
channel is a recorded failure, and three in a row pause the schedule."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import discord
import pytest

from bot.app import App
from bot.config import Settings
from bot.domain.models import Track
from bot.domain.permissions import Actor
from bot.domain.schedules.models import Outcome, nonce_of, occurrence_id
from bot.domain.schedules.pacing import PostPacer
from bot.domain.schedules.runner import Post
from bot.domain.schedules.service import ChannelAccess
from bot.sandbox.clock import SettableClock
from bot.sandbox.discord_sim import DiscordSimulator, SimChannel, SimGuild, SimMember
from bot.sandbox.discord_sim.model import Overwrite
from bot.sandbox.harness import sharify_on
from cogs.playlists.views import PageButton
from cogs.schedules.poster import DiscordPoster
from tests.cogs.hostile import HOSTILE
from tests.e2e.conftest import World
from tests.e2e.test_hostile_corpus_e2e import live_entities

TUESDAY = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Paris
WEEK = timedelta(days=7)


@dataclass
class Scene:
    sim: DiscordSimulator
    settings: Settings
    clock: SettableClock
    guild: SimGuild
    music: SimChannel
    owner: SimMember
    alice: SimMember

    def bot(self) -> contextlib.AbstractAsyncContextManager[App]:
        return sharify_on(self.sim, self.settings, clock=self.clock)

    def posts(self, channel: SimChannel | None = None) -> list:
        return [m for m in self.sim.channel_messages(channel or self.music) if m.interaction_id is None]


@pytest.fixture
async def scene(settings: Settings) -> AsyncIterator[Scene]:
    async with DiscordSimulator() as sim:
        guild = sim.add_guild("Lounge", channels=("general", "music"))
        owner = sim.add_member(guild, "owner", permissions=discord.Permissions(manage_guild=True))
        alice = sim.add_member(guild, "alice")
        fast = settings.model_copy(update={"schedule_poll_seconds": 0.1})
        yield Scene(sim, fast, SettableClock(TUESDAY), guild, guild.channel("music"), owner, alice)
        assert not sim.violations, sim.violations


async def until(check: Callable[[], bool], *, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


async def until_async(check: Callable[[], Awaitable[bool]], *, within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


async def _failed(app: App, scene: Scene, count: int) -> bool:
    (s,) = await app.services.schedules.list(scene.guild.id)
    return s.failures == count


async def quiet(seconds: float = 0.6) -> None:
    """Give every runner a few polls to (wrongly) post again."""
    await asyncio.sleep(seconds)


def manager(scene: Scene) -> Actor:
    return Actor(guild_id=scene.guild.id, user_id=scene.owner.id, manage_guild=True)


async def playlist(app: App, scene: Scene, name: str = "Friday Mix", tracks: int = 12) -> None:
    await app.services.playlists.create(manager(scene), name)
    items = [Track(artist=f"Artist {i}", title=f"Song {i}") for i in range(tracks)]
    await app.services.playlists.add(manager(scene), name, items)


def access(channel: SimChannel) -> ChannelAccess:
    return ChannelAccess(channel.id, in_guild=True, is_text=True, can_view=True, can_send=True, can_embed=True)


async def test_the_weekly_post_arrives_with_embed_nonce_and_pager_and_again_after_a_restart(scene: Scene) -> None:
    async with scene.bot() as app:
        await playlist(app, scene)
        reply = await scene.sim.command(
            scene.guild,
            scene.owner,
            "schedule add",
            what="Friday Mix",
            channel=scene.music,
            every="week",
            at="18:00",
            weekday="friday",
            timezone="Europe/Paris",
        )
        assert reply.ephemeral and "Scheduled **Friday Mix**" in reply.content, reply.content
        (made,) = await app.services.schedules.list(scene.guild.id)
        assert made.next_run_at == FRIDAY
        await quiet(0.3)
        assert scene.posts() == []  # not before its time
        scene.clock.set(FRIDAY)
        app.services.schedules.wake()
        await until(lambda: len(scene.posts()) == 1)
        (post,) = scene.posts()
        key = occurrence_id(made.id, FRIDAY)
        (embed,) = post.embeds
        assert "Friday Mix" in embed["title"] and key in embed["footer"]["text"]
        assert "Page 1/2" in embed["footer"]["text"] and "Song 0" in embed["description"]
        assert post.nonce == nonce_of(key)
        sent = [
            r
            for r in scene.sim.requests
            if r.method == "POST" and r.path.endswith(f"/channels/{scene.music.id}/messages")
        ]
        assert [r.json["enforce_nonce"] for r in sent] == [True]
        page2 = await scene.sim.click(scene.sim.posted(post, user=scene.alice), "Next", user=scene.alice)
        assert "Page 2/2" in page2.embeds[0]["footer"]["text"] and "Song 10" in page2.embeds[0]["description"]
        listed = await scene.sim.command(scene.guild, scene.owner, "schedule list")
        assert "posted" in listed.embeds[0]["description"]
        await quiet()
        assert len(scene.posts()) == 1

    async with scene.bot() as app:  # a restart on the same data: the pager still turns, the next week still posts
        back = await scene.sim.click(scene.sim.posted(post, user=scene.alice), "Prev", user=scene.alice)
        assert "Page 1/2" in back.embeds[0]["footer"]["text"]
        scene.clock.set(FRIDAY + WEEK)
        app.services.schedules.wake()
        await until(lambda: len(scene.posts()) == 2)
        await quiet()
        assert len(scene.posts()) == 2
        assert occurrence_id(made.id, FRIDAY + WEEK) in scene.posts()[1].embeds[0]["footer"]["text"]


async def test_two_bots_on_one_database_post_each_occurrence_once(scene: Scene) -> None:
    async with scene.bot() as first, scene.bot() as second:
        await playlist(first, scene, tracks=3)
        for _ in range(12):
            await first.services.schedules.add(
                manager(scene), what="Friday Mix", channel=access(scene.music), every="day", at="18:00", timezone="UTC"
            )
        due = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
        scene.clock.set(due)
        first.services.schedules.wake()
        second.services.schedules.wake()
        await until(lambda: len(scene.posts()) == 12, within=30)  # paced: 5 posts per channel every 5 seconds
        await quiet()
        footers = [p.embeds[0]["footer"]["text"] for p in scene.posts()]
        assert len(footers) == len(set(footers)) == 12
        listed = await first.services.schedules.list(scene.guild.id)
        assert all(s.last_outcome is Outcome.POSTED and s.next_run_at == due + timedelta(days=1) for s in listed)


async def test_a_process_stopped_after_claiming_is_replaced_after_its_lease(scene: Scene) -> None:
    async with scene.bot() as app:
        await playlist(app, scene, tracks=3)
        made = await app.services.schedules.add(
            manager(scene), what="Friday Mix", channel=access(scene.music), every="day", at="18:00", timezone="UTC"
        )
        due = made.next_run_at
        # another process claimed the occurrence and stopped before posting: its lease (2 min) is all that is left
        (claimed,) = await app.storage.schedules.claim(
            now=due, owner="stopped-process", lease_until=due + timedelta(minutes=2), limit=1
        )
        assert claimed.id == made.id
        scene.clock.set(due + timedelta(seconds=30))
        app.services.schedules.wake()
        await quiet()
        assert scene.posts() == []
        scene.clock.set(due + timedelta(minutes=2, seconds=1))
        app.services.schedules.wake()
        await until(lambda: len(scene.posts()) == 1)
        await quiet()
        assert len(scene.posts()) == 1
        assert occurrence_id(made.id, due) in scene.posts()[0].embeds[0]["footer"]["text"]


async def test_a_repeated_nonce_gets_the_first_message_back(scene: Scene) -> None:
    async with scene.bot() as app:
        channel = app.bot.get_partial_messageable(scene.music.id, guild_id=scene.guild.id)
        first = await channel.send("one", nonce="n-1")
        again = await channel.send("one", nonce="n-1")
        other = await channel.send("two", nonce="n-2")
        assert first.id == again.id != other.id
        assert [p.content for p in scene.posts()] == ["one", "two"]


async def test_a_deleted_channel_is_a_recorded_failure_and_three_pause_the_schedule(scene: Scene) -> None:
    doomed = scene.sim.add_channel(scene.guild, "doomed")
    async with scene.bot() as app:
        await playlist(app, scene, tracks=3)
        made = await app.services.schedules.add(
            manager(scene), what="Friday Mix", channel=access(doomed), every="day", at="18:00", timezone="UTC"
        )
        del scene.guild.channels[doomed.id]  # deleted in Discord
        for day in range(3):
            scene.clock.set(made.next_run_at + timedelta(days=day, seconds=1))
            app.services.schedules.wake()
            await until_async(lambda d=day: _failed(app, scene, d + 1))
        listed = await scene.sim.command(scene.guild, scene.owner, "schedule list")
        text = listed.embeds[0]["description"]
        assert "paused" in text and "no longer exists" in text and "3 failed" in text
        (s,) = await app.services.schedules.list(scene.guild.id)
        assert s.paused and s.last_outcome is Outcome.FAILED and s.failures == 3
        await quiet()
        assert [v.code for v in scene.sim.violations] == [10003] * 3  # one post a day, then paused: no more tries
        scene.sim.violations.clear()


# -- the commands, in the shared world ---------------------------------------------------------------------------


async def test_only_managers_schedule_and_only_where_sharify_may_post(world: World) -> None:
    sim, guild = world.sim, world.guild
    await world.run(world.mod, "playlist create", name="Weekly")
    general = guild.channel("general")
    refused = await world.run(world.alice, "schedule add", what="Weekly", channel=general, every="day", at="18:00")
    assert refused.ephemeral and "managers" in refused.content
    me = guild.members[sim.bot_user.id]
    locked = sim.add_channel(guild, "locked", overwrites={me: (0, discord.Permissions(send_messages=True))})
    no_send = await world.run(world.mod, "schedule add", what="Weekly", channel=locked, every="day", at="18:00")
    assert "Send Messages" in no_send.content
    too_often = await world.run(world.mod, "schedule add", what="Weekly", channel=general, cron="*/10 * * * *")
    assert "once every hour" in too_often.content
    ok = await world.run(world.mod, "schedule add", what="Weekly", channel=general, cron="0 18 * * 5")
    assert ok.ephemeral and "Scheduled **Weekly**" in ok.content
    zone = await world.run(world.mod, "sharify-admin timezone", timezone="Asia/Tokyo")
    assert "Asia/Tokyo" in zone.content
    choices = await sim.autocomplete(guild, world.mod, "schedule add", focused="timezone", timezone="tokyo")
    assert choices[0]["value"] == "Asia/Tokyo"
    (made,) = await world.app.services.schedules.list(guild.id)
    preview = await world.run(world.mod, "schedule preview", schedule=made.id[-6:])
    assert preview.embeds[0]["description"].count("<t:") == 5
    assert not sim.violations


async def test_hostile_names_render_inert_in_every_schedule_reply(world: World) -> None:
    started = time.time()
    general = world.guild.channel("general")
    for i, s in enumerate(HOSTILE[:12]):
        await world.run(world.mod, "playlist create", name=s)
        made = await world.run(world.mod, "schedule add", what=s, channel=general, every="day", at=f"{i:02d}:00")
        assert "Scheduled" in made.content or "no playlist" in made.content, made.content
    await world.run(world.mod, "schedule list")
    for s in await world.app.services.schedules.list(world.guild.id):
        for command in ("schedule preview", "schedule pause", "schedule resume", "schedule run-now"):
            await world.run(world.mod, command, schedule=s.id)
    await world.run(world.mod, "schedule list")
    # Sharify's own entities are fine: this server's channels and the schedules' run times (within the week ahead);
    # a hostile "<#123...>" or "<t:1700000000>" is neither.
    week = 8 * 86_400
    foreign = [
        (e, text)
        for e, text in live_entities(world, started)
        if not (e.kind == "channel" and int(e.value) in world.guild.channels)
        and not (e.kind == "timestamp" and started <= int(e.value) <= started + week)
    ]
    assert foreign == []


async def test_a_removed_permission_is_a_recorded_failure_shown_in_the_list(scene: Scene) -> None:
    async with scene.bot() as app:
        await playlist(app, scene, tracks=3)
        made = await app.services.schedules.add(
            manager(scene), what="Friday Mix", channel=access(scene.music), every="day", at="18:00", timezone="UTC"
        )
        me = scene.guild.members[scene.sim.bot_user.id]
        scene.music.overwrites.append(Overwrite(me.id, 1, 0, discord.Permissions(send_messages=True).value))
        scene.clock.set(made.next_run_at + timedelta(seconds=1))
        app.services.schedules.wake()
        await until_async(lambda: _failed(app, scene, 1))
        listed = await scene.sim.command(scene.guild, scene.owner, "schedule list")
        text = listed.embeds[0]["description"]
        assert "failed" in text and "may no longer post" in text and "1 failed in a row" in text
        assert scene.posts() == []
        assert [v.code for v in scene.sim.violations] == [50013]
        scene.sim.violations.clear()


async def test_a_post_whose_page_was_turned_is_still_found_after_its_poster_died(scene: Scene) -> None:
    async with scene.bot() as app:
        await playlist(app, scene)  # two pages
        made = await app.services.schedules.add(
            manager(scene), what="Friday Mix", channel=access(scene.music), every="day", at="18:00", timezone="UTC"
        )
        due = made.next_run_at
        # another process claimed the occurrence, posted it and died before recording that it had
        (claimed,) = await app.storage.schedules.claim(
            now=due, owner="dead", lease_until=due + timedelta(minutes=2), limit=1
        )
        key = occurrence_id(made.id, due)
        playlists = app.services.playlists
        dead = DiscordPoster(app.bot, playlists, PageButton.bound(playlists), PostPacer(scene.clock))
        await dead.send(Post(claimed, due, key, nonce_of(key)))
        (post,) = scene.posts()
        page2 = await scene.sim.click(scene.sim.posted(post, user=scene.alice), "Next", user=scene.alice)
        footer = page2.embeds[0]["footer"]["text"]
        assert "Page 2/2" in footer and key in footer  # the page turn kept the occurrence marker
        scene.sim.state.nonces.clear()  # Discord's few minutes of nonce memory are over
        scene.clock.set(due + timedelta(minutes=2, seconds=1))  # the dead process's lease expired
        app.services.schedules.wake()
        await until_async(lambda: _outcome(app, scene, Outcome.FOUND))
        await quiet()
        assert len(scene.posts()) == 1
        (s,) = await app.services.schedules.list(scene.guild.id)
        assert s.last_message_id == post.id and s.next_run_at == due + timedelta(days=1)


async def _outcome(app: App, scene: Scene, outcome: Outcome) -> bool:
    (s,) = await app.services.schedules.list(scene.guild.id)
    return s.last_outcome is outcome
