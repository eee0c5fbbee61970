"""End-to-end: scheduled fresh mixes through the real bot, the Discord simulator and the offline Last.fm, with a
clock the test moves. The post arrives with every track linked and its reason; each mix is saved as a playlist
named for its week, and of five weekly mixes kept two the other three are in the trash. Hostile Last.fm names
render inert in the post."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import discord
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.config import Settings
from bot.domain.schedules.models import Outcome, occurrence_id
from bot.sandbox.clock import SettableClock
from bot.sandbox.discord_sim import DiscordSimulator, SimChannel, SimGuild, SimMember
from bot.sandbox.harness import sharify_on
from bot.sandbox.lastfm_standin import Fault, LastfmStandin
from tests.e2e.conftest import World
from tests.e2e.test_hostile_corpus_e2e import live_entities
from tests.e2e.test_mixes_hostile_e2e import _hostile_catalogue
from tests.e2e.test_schedules_e2e import until, until_async

pytestmark = pytest.mark.e2e

TUESDAY = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 in Paris, ISO week 49
WEEK = timedelta(days=7)


@dataclass
class Scene:
    sim: DiscordSimulator
    clock: SettableClock
    guild: SimGuild
    music: SimChannel
    owner: SimMember

    def posts(self) -> list:
        return [m for m in self.sim.channel_messages(self.music) if m.interaction_id is None]


@pytest.fixture
async def mixing(settings: Settings) -> AsyncIterator[tuple[Scene, App, LastfmStandin]]:
    async with DiscordSimulator() as sim, LastfmStandin() as fm:
        guild = sim.add_guild("Lounge", channels=("general", "music"))
        owner = sim.add_member(guild, "owner", permissions=discord.Permissions(manage_guild=True))
        update = {
            "schedule_poll_seconds": 0.1,
            "lastfm_base_url": fm.url,
            "lastfm_api_key": SecretStr("test-key"),
            "lastfm_rate_per_second": 50,
        }
        scene = Scene(sim, SettableClock(TUESDAY), guild, guild.channel("music"), owner)
        async with sharify_on(sim, settings.model_copy(update=update), clock=scene.clock) as app:
            yield scene, app, fm
        assert not sim.violations, sim.violations


async def test_a_weekly_mood_mix_is_posted_with_reasons_saved_and_the_last_two_kept(mixing) -> None:
    scene, app, _ = mixing
    reply = await scene.sim.command(
        scene.guild, scene.owner, "schedule add", what="mood: ambient", channel=scene.music, every="week",
        at="18:00", weekday="friday", timezone="Europe/Paris", save_as="Friday mix", keep=2,
    )  # fmt: skip
    assert "Scheduled **mood mix · ambient**" in reply.content and "Friday mix" in reply.content, reply.content
    (made,) = await app.services.schedules.list(scene.guild.id)
    for week in range(5):
        scene.clock.set(FRIDAY + week * WEEK)
        app.services.schedules.wake()
        await until(lambda w=week: len(scene.posts()) == w + 1, within=30)
    first = scene.posts()[0]
    (embed,) = first.embeds
    lines = embed["description"].splitlines()
    assert len(lines) == 15 and all("tag *ambient* #" in line for line in lines)
    assert all("](https://www.last.fm/" in line for line in lines)  # every track links to its page
    saved = next(f["value"] for f in embed["fields"] if f["name"] == "Saved as")
    assert "Friday mix 2026-W49" in saved
    assert occurrence_id(made.id, FRIDAY) in embed["footer"]["text"]
    names = [next(f["value"] for f in p.embeds[0]["fields"] if f["name"] == "Saved as") for p in scene.posts()]
    assert [n.split("**")[1] for n in names] == [f"Friday mix 2026-W{w}" for w in (49, 50, 51, 52, 53)]

    async def trimmed() -> bool:  # older mixes go to the trash just after the post is recorded
        return len(await app.services.playlists.playlists(scene.guild.id, trash=True)) == 3

    await until_async(trimmed, within=10)
    live = await app.services.playlists.playlists(scene.guild.id)
    trash = await app.services.playlists.playlists(scene.guild.id, trash=True)
    assert [p.name for p in live] == ["Friday mix 2026-W52", "Friday mix 2026-W53"]
    assert sorted(p.name for p in trash) == ["Friday mix 2026-W49", "Friday mix 2026-W50", "Friday mix 2026-W51"]
    assert all(p.track_count == 15 for p in live)
    (s,) = await app.services.schedules.list(scene.guild.id)
    assert s.last_outcome is Outcome.POSTED and s.saved == tuple(p.id for p in live)
    shown = await scene.sim.command(scene.guild, scene.owner, "playlist show", name="Friday mix 2026-W53")
    assert "Friday mix 2026-W53" in shown.embeds[0]["title"]


async def test_a_scheduled_mix_with_hostile_lastfm_names_renders_nothing_live(fm_world: World) -> None:
    started = time.time()
    _hostile_catalogue(fm_world, keep=set())
    general = fm_world.guild.channel("general")
    made = await fm_world.run(
        fm_world.mod, "schedule add", what="mood: ambient, jazz", channel=general, every="day", at="18:00",
        save_as="Daily", keep=1,
    )  # fmt: skip
    assert "Scheduled" in made.content, made.content
    (s,) = await fm_world.app.services.schedules.list(fm_world.guild.id)
    await fm_world.run(fm_world.mod, "schedule run-now", schedule=s.id)
    posts = lambda: [m for m in fm_world.sim.channel_messages(general) if m.interaction_id is None]  # noqa: E731
    await until(lambda: len(posts()) == 1, within=30)
    (embed,) = posts()[0].embeds
    assert len(embed["description"].splitlines()) == 15
    # this world holds at most 5 tracks a playlist: the mix is posted all the same, saying why it was not saved
    assert "at most 5 tracks" in next(f["value"] for f in embed["fields"] if f["name"] == "Not saved")
    await fm_world.run(fm_world.mod, "schedule list")
    week = 8 * 86_400
    foreign = [
        (e, text)
        for e, text in live_entities(fm_world, started)
        if not (e.kind == "channel" and int(e.value) in fm_world.guild.channels)
        and not (e.kind == "timestamp" and started <= int(e.value) <= started + week)
    ]
    assert foreign == []
    assert not fm_world.sim.violations, fm_world.sim.violations[:3]


async def test_last_fm_down_is_recorded_as_retrying_and_posted_when_it_answers(mixing) -> None:
    scene, app, fm = mixing
    await scene.sim.command(
        scene.guild, scene.owner, "schedule add", what="mood: ambient", channel=scene.music, every="day", at="18:00",
        timezone="UTC",
    )  # fmt: skip
    (made,) = await app.services.schedules.list(scene.guild.id)
    due = made.next_run_at
    fm.inject(Fault.http(503), times=None)  # Last.fm down: every lookup fails
    scene.clock.set(due)
    app.services.schedules.wake()

    async def retrying() -> bool:
        (s,) = await app.services.schedules.list(scene.guild.id)
        return s.last_outcome is Outcome.RETRYING

    await until_async(retrying, within=30)
    assert scene.posts() == []
    listed = await scene.sim.command(scene.guild, scene.owner, "schedule list")
    assert "retrying" in listed.embeds[0]["description"] and "Last.fm" in listed.embeds[0]["description"]
    fm.clear_faults()
    scene.clock.set(due + timedelta(minutes=2))  # past the first backoff (30 s)
    app.services.schedules.wake()
    await until(lambda: len(scene.posts()) == 1, within=30)

    async def recorded() -> bool:  # the outcome is recorded just after the message is made
        (s,) = await app.services.schedules.list(scene.guild.id)
        return s.last_outcome is Outcome.POSTED and s.failures == 0

    await until_async(recorded, within=10)
