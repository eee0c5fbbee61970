"""Every interaction type passes the admission: one that can no longer be answered within Discord's 3 s gets no work
(nothing stored, no reply) and is counted; the next fresh one is served. The real bot against the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.runtime.admission import Admission
from bot.sandbox.discord_sim import NoResponseError
from tests.e2e.conftest import World, make_world


class AheadClock(SystemClock):
    """The real clock, `ahead` later: every interaction looks that much older to the admission."""

    def __init__(self, ahead: timedelta) -> None:
        self.ahead = ahead

    def now(self) -> datetime:
        return super().now() + self.ahead


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    async with make_world(settings, lastfm=False) as w:
        yield w


def expired_count(world: World) -> float:
    registry = world.app.services.metrics.registry
    return registry.get_sample_value("sharify_interactions_shed_total", {"reason": "expired"}) or 0.0


def fall_behind(world: World) -> Admission:
    """From now on the bot sees every interaction 2.8 s after its creation (as when it is far behind); returns
    the admission it had."""
    fresh = world.app.bot.admission
    assert fresh is not None
    world.app.bot.admission = Admission(AheadClock(timedelta(seconds=2.8)), metrics=world.app.services.metrics)
    world.sim.response_timeout = 0.5  # a shed interaction is never answered: don't wait the default for it
    return fresh


async def tracks(world: World, name: str) -> str:
    reply = await world.run(world.alice, "playlist show", name=name)
    return reply.embeds[0]["description"]


async def test_an_expired_slash_command_does_no_work_and_is_counted(world: World) -> None:
    before = expired_count(world)
    fresh = fall_behind(world)
    with pytest.raises(NoResponseError):
        await world.run(world.alice, "playlist create", name="Too late")
    assert expired_count(world) == before + 1
    world.app.bot.admission = fresh
    world.sim.response_timeout = 5.0
    missing = await world.run(world.alice, "playlist show", name="Too late")
    assert missing.ephemeral and "Too late" in missing.content  # never created
    created = await world.run(world.alice, "playlist create", name="Too late")  # a fresh one is served
    assert "Created **Too late**" in created.content
    assert not world.sim.missed_deadlines


async def test_an_expired_button_press_does_no_work_and_a_fresh_one_does(world: World) -> None:
    await world.run(world.alice, "playlist create", name="Chill")
    await world.run(world.alice, "playlist add", name="Chill", track="A - one")
    warned = await world.run(world.alice, "playlist add", name="Chill", track="A - one")
    assert "is already in **Chill**" in warned.content
    before = expired_count(world)
    fresh = fall_behind(world)
    with pytest.raises(NoResponseError):
        await world.sim.click(warned, "Add anyway")
    assert expired_count(world) == before + 1
    world.app.bot.admission = fresh
    world.sim.response_timeout = 5.0
    assert (await tracks(world, "Chill")).count("one") == 1  # the expired press stored nothing
    again = await world.sim.click(warned, "Add anyway")  # the same button, pressed in time
    assert "Added **A** — one to **Chill**" in again.followups[0].content
    assert (await tracks(world, "Chill")).count("one") == 2


async def test_an_expired_autocomplete_gets_no_answer(world: World) -> None:
    await world.run(world.alice, "playlist create", name="Chill")
    before = expired_count(world)
    fresh = fall_behind(world)
    with pytest.raises(NoResponseError):
        await world.sim.autocomplete(world.guild, world.alice, "playlist show", focused="name", name="Ch")
    assert expired_count(world) == before + 1
    world.app.bot.admission = fresh
    world.sim.response_timeout = 5.0
    choices = await world.sim.autocomplete(world.guild, world.alice, "playlist show", focused="name", name="Ch")
    assert [c["name"] for c in choices] == ["Chill"]
