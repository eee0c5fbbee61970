"""Discord misbehaving around the real Sharify: gateway drops, RECONNECT/INVALID_SESSION, 429s and 5xx on the
interaction routes, unexpected exceptions, and two shards over one store.

Every test asserts what a member would notice: the command is still answered (within Discord's 3 s deadline),
nothing is written twice, nothing pings, and a bug shows a plain apology while the log keeps the ids."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
import pytest

import cogs.common
from bot.app import App
from bot.config import Settings
from bot.sandbox.discord_sim import DiscordSimulator, GatewayEvent, Reply, SimGuild, SimMember
from bot.sandbox.harness import sharify_on
from bot.tree import UNEXPECTED

from .conftest import World

pytestmark = pytest.mark.e2e

Fault = Callable[[DiscordSimulator], Awaitable[None]]


# -- helpers --------------------------------------------------------------------------------------------------------


def statuses(sim: DiscordSimulator, prefix: str) -> list[int]:
    """Statuses of every request whose "METHOD /path" starts with `prefix`, in order."""
    return [r.status for r in sim.requests if r.route.startswith(prefix)]


def sent_payloads(sim: DiscordSimulator) -> list[dict[str, Any]]:
    """Every message body the bot sent: type 4/7 callbacks and webhook (followup, edit) POST/PATCH bodies."""
    payloads: list[dict[str, Any]] = []
    for request in sim.requests:
        body = request.json
        if not isinstance(body, dict):
            continue
        if request.path.startswith("/interactions/") and body.get("type") in (4, 7):
            payloads.append(body.get("data") or {})
        elif request.method in ("POST", "PATCH") and request.path.startswith("/webhooks/"):
            payloads.append(body)
    return payloads


def assert_nothing_pings(sim: DiscordSimulator) -> None:
    payloads = sent_payloads(sim)
    assert payloads, "the bot sent no message at all"
    for payload in payloads:
        assert payload.get("allowed_mentions") == {"parse": []}, payload


def event(sim: DiscordSimulator, kind: str) -> GatewayEvent:
    found = [e for e in sim.gateway_events if e.kind == kind]
    assert len(found) == 1, (kind, sim.gateway_events)
    return found[0]


async def track_count(app: App, guild: SimGuild, name: str) -> int:
    """Straight from the store, not through the bot: what was really written."""
    playlist = await app.services.playlists.get(guild.id, name)
    return len(await app.storage.entries.page(guild.id, playlist.id))


async def added(world: World, track: str, *, name: str = "Chill") -> Reply:
    reply = await world.run(world.alice, "playlist add", name=name, track=track)
    assert "Added" in reply.content, reply.content
    return reply


@pytest.fixture
async def chill(world: World) -> AsyncIterator[World]:
    """The world with a playlist "Chill"; afterwards, nothing the bot sent (retries included) may ping."""
    reply = await world.run(world.alice, "playlist create", name="Chill")
    assert "Created" in reply.content, reply.content
    yield world
    assert_nothing_pings(world.sim)
    assert not world.sim.violations, [str(v) for v in world.sim.violations]


@pytest.fixture
def always_defer(chill: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the playlist commands defer at once instead of after their budget (1.5 s or more), so the followup
    routes are exercised without waiting on the wall clock. The cog code runs unchanged; only the budget (a
    parameter) is zero."""
    original = cogs.common.within_deadline

    async def deferring(interaction: discord.Interaction, work: Awaitable[Any], **options: Any) -> Any:
        return await original(interaction, work, **{**options, "budget": 0.0})

    # the module the running bot loaded: closing a bot unloads its extensions, so an import here may be stale
    cog = chill.app.bot.get_cog("PlaylistCog")
    assert cog is not None
    monkeypatch.setattr(sys.modules[type(cog).__module__], "within_deadline", deferring)


# -- gateway faults -------------------------------------------------------------------------------------------------


async def drop_4000(sim: DiscordSimulator) -> None:
    await sim.drop_gateway(4000)


async def drop_abruptly(sim: DiscordSimulator) -> None:
    await sim.drop_gateway(code=None)  # no close frame: discord.py sees a 1006


async def reconnect_op7(sim: DiscordSimulator) -> None:
    await sim.send_reconnect()


async def invalid_resumable(sim: DiscordSimulator) -> None:
    await sim.invalidate_session(resumable=True)


async def invalid_not_resumable(sim: DiscordSimulator) -> None:
    await sim.invalidate_session(resumable=False)


@pytest.mark.parametrize(
    ("fault", "noted", "resumes", "identifies"),
    [
        (drop_4000, "DROP", 1, 1),
        (drop_abruptly, "DROP", 1, 1),
        (reconnect_op7, "RECONNECT", 1, 1),
        (invalid_resumable, "INVALID_SESSION", 1, 1),
        (invalid_not_resumable, "INVALID_SESSION", 0, 2),
    ],
    ids=["close-4000", "abrupt-1006", "op7-reconnect", "op9-resumable", "op9-not-resumable"],
)
async def test_interaction_sent_during_a_gateway_outage_is_answered(
    chill: World, fault: Fault, noted: str, resumes: int, identifies: int
) -> None:
    world, sim = chill, chill.sim
    await added(world, "A - before")
    await fault(sim)
    assert not sim.gateway.connected(), "the fault must leave the bot disconnected"

    during = await world.run(world.alice, "playlist add", name="Chill", track="B - during")

    assert "Added **B** — during" in during.content
    lost = event(sim, noted)
    regained = event(sim, "RESUME") if resumes else [e for e in sim.gateway_events if e.kind == "READY"][-1]
    # the interaction was created while the bot was away and delivered (queued) once it was back
    assert lost.at <= during.record.created_at <= regained.at
    assert sim.gateway.count("RESUME") == resumes
    assert sim.gateway.count("IDENTIFY") == identifies
    after = await added(world, "C - after")
    assert after.latency_ms is not None and after.latency_ms < 1000
    assert await track_count(world.app, world.guild, "Chill") == 3  # each exactly once, none replayed twice
    shown = await world.run(world.alice, "playlist show", name="Chill")
    description = shown.embeds[0]["description"]
    assert description.index("before") < description.index("during") < description.index("after")
    assert not sim.missed_deadlines


async def test_repeated_drops_in_a_row_lose_nothing(chill: World) -> None:
    world, sim = chill, chill.sim
    replies = []
    for n, code in enumerate((4000, None, 4000)):
        await sim.drop_gateway(code)
        replies.append(await world.run(world.alice, "playlist add", name="Chill", track=f"A - {n}"))
    assert all("Added" in r.content for r in replies)
    assert sim.gateway.count("RESUME") == 3 and sim.gateway.count("IDENTIFY") == 1
    assert await track_count(world.app, world.guild, "Chill") == 3


# -- REST faults on the interaction routes --------------------------------------------------------------------------


@pytest.mark.parametrize("is_global", [False, True], ids=["route-429", "global-429"])
async def test_429_on_the_callback_is_retried_and_writes_once(chill: World, is_global: bool) -> None:
    world, sim = chill, chill.sim
    sim.inject_rate_limit("POST /interactions/*/callback", retry_after=0.2, is_global=is_global)
    reply = await world.run(world.alice, "playlist add", name="Chill", track="@everyone - <@&1234567890123456789>")
    assert "Added" in reply.content and "to **Chill**" in reply.content
    assert statuses(sim, "POST /interactions/")[-2:] == [429, 200]
    assert reply.latency_ms is not None and 200 <= reply.latency_ms < 3000  # waited retry_after, made the deadline
    assert await track_count(world.app, world.guild, "Chill") == 1
    assert not sim.missed_deadlines


async def test_429_twice_then_the_answer(chill: World) -> None:
    world, sim = chill, chill.sim
    sim.inject_rate_limit("POST /interactions/*/callback", retry_after=0.2, count=2)
    reply = await world.run(world.alice, "playlist show", name="Chill")
    assert reply.embeds and reply.embeds[0]["title"] == "🎵 Chill"
    assert statuses(sim, "POST /interactions/")[-3:] == [429, 429, 200]
    assert reply.latency_ms is not None and 400 <= reply.latency_ms < 3000


@pytest.mark.parametrize("status", [500, 502])
async def test_5xx_on_the_callback_is_retried_and_writes_once(chill: World, status: int) -> None:
    world, sim = chill, chill.sim
    sim.inject_rest_failure("POST /interactions/*/callback", status=status)
    reply = await world.run(world.alice, "playlist add", name="Chill", track="Daft Punk - One More Time")
    assert "Added **Daft Punk** — One More Time" in reply.content
    assert statuses(sim, "POST /interactions/")[-2:] == [status, 200]
    # discord.py sleeps 1 s before retrying a 5xx; the answer still beats the 3 s deadline
    assert reply.latency_ms is not None and 1000 <= reply.latency_ms < 3000
    assert await track_count(world.app, world.guild, "Chill") == 1
    assert not sim.missed_deadlines


@pytest.mark.parametrize(
    ("inject", "first"),
    [
        (lambda sim: sim.inject_rate_limit("POST /webhooks/*", retry_after=0.2), 429),
        (lambda sim: sim.inject_rest_failure("POST /webhooks/*", status=502), 502),
    ],
    ids=["429", "502"],
)
async def test_fault_on_the_followup_after_a_defer_is_retried(
    chill: World, always_defer: None, inject: Callable[[DiscordSimulator], None], first: int
) -> None:
    world, sim = chill, chill.sim
    inject(sim)
    reply = await world.run(world.alice, "playlist add", name="Chill", track="Air - La Femme d'Argent")
    assert reply.deferred, "the command should have deferred (budget 0)"
    assert "Added **Air** — La Femme d'Argent" in reply.content
    assert statuses(sim, "POST /webhooks/")[-2:] == [first, 200]
    assert len(reply.messages) == 1 and len(reply.record.bodies) == 2  # the defer and one accepted followup
    assert await track_count(world.app, world.guild, "Chill") == 1
    assert not sim.missed_deadlines


async def test_429_on_the_pager_edit_is_retried(chill: World) -> None:
    world, sim = chill, chill.sim
    world.app.services.playlists.limits = type(world.app.services.playlists.limits)(max_tracks=100)
    for n in range(12):
        await added(world, f"Artist {n} - Song {n}")
    shown = await world.run(world.alice, "playlist show", name="Chill")
    sim.inject_rate_limit("POST /interactions/*/callback", retry_after=0.2)
    page2 = await sim.click(shown, "Next")
    assert page2.callback_type == 7 and "Page 2/2" in page2.embeds[0]["footer"]["text"]
    assert statuses(sim, "POST /interactions/")[-2:] == [429, 200]


# -- unexpected exceptions ------------------------------------------------------------------------------------------


def fail_with_a_bug(world: World, method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        await asyncio.sleep(0.01)  # fail like a store would: after some I/O, not synchronously
        raise RuntimeError("bug: the index is gone")

    monkeypatch.setattr(world.app.services.playlists, method, broken)


def assert_logged_with_ids(caplog: pytest.LogCaptureFixture, command: str, guild: SimGuild, user: SimMember) -> None:
    records = [r for r in caplog.records if r.name == "bot.tree" and r.levelno == logging.ERROR]
    assert len(records) == 1, [r.getMessage() for r in records]
    record = records[0]
    assert record.__dict__["command"] == command
    assert record.__dict__["guild_id"] == guild.id
    assert record.__dict__["user_id"] == user.user.id
    assert record.exc_info is not None and "the index is gone" in str(record.exc_info[1])


async def test_a_bug_gets_the_apology_and_the_log_gets_the_ids(
    chill: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world = chill
    fail_with_a_bug(world, "page", monkeypatch)
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        reply = await world.run(world.bob, "playlist show", name="Chill")
    assert reply.ephemeral and reply.content == UNEXPECTED
    assert "RuntimeError" not in reply.text() and "index is gone" not in reply.text()
    assert_logged_with_ids(caplog, "playlist show", world.guild, world.bob)
    monkeypatch.undo()
    assert (await world.run(world.bob, "playlist show", name="Chill")).embeds  # the bot keeps working


async def test_a_bug_after_a_defer_gets_the_apology_as_a_followup(
    chill: World, always_defer: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    world = chill
    fail_with_a_bug(world, "add_typed", monkeypatch)
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        reply = await world.run(world.alice, "playlist add", name="Chill", track="A - B")
    assert reply.deferred and reply.content == UNEXPECTED and reply.ephemeral
    assert_logged_with_ids(caplog, "playlist add", world.guild, world.alice)


@pytest.mark.parametrize("position", ["99999999999999999999", "²"], ids=["too-big-for-sqlite", "unicode-digit"])
async def test_odd_positions_are_explained_not_crashed_on(
    chill: World, position: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = chill
    await added(world, "A - one")
    with caplog.at_level(logging.ERROR):
        choices = await world.sim.autocomplete(
            world.guild, world.alice, "playlist remove", focused="track", name="Chill", track=position
        )
        reply = await world.run(world.alice, "playlist remove", name="Chill", track=position)
    assert choices == []
    assert reply.ephemeral and UNEXPECTED not in reply.content
    assert "no such track" in reply.content
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert await track_count(world.app, world.guild, "Chill") == 1


# -- sharding -------------------------------------------------------------------------------------------------------


@dataclass
class Sharded:
    sim: DiscordSimulator
    app: App
    guilds: tuple[SimGuild, SimGuild]
    members: tuple[SimMember, SimMember]


@pytest.fixture
async def sharded(settings: Settings) -> AsyncIterator[Sharded]:
    async with DiscordSimulator() as sim:
        guilds = (sim.add_guild("Alpha"), sim.add_guild("Beta"))
        members = (sim.add_member(guilds[0], "ann"), sim.add_member(guilds[1], "ben"))
        async with sharify_on(sim, settings.model_copy(update={"shard_count": 2})) as app:
            yield Sharded(sim, app, guilds, members)
        assert not sim.missed_deadlines and not sim.violations


def shard_that_carried(sim: DiscordSimulator, reply: Reply) -> int:
    """Which shard's session sent this interaction's INTERACTION_CREATE."""
    carried = [
        shard
        for shard, session in sim.gateway.sessions.items()
        for _, kind, data in session.history
        if kind == "INTERACTION_CREATE" and int(data["id"]) == reply.record.id
    ]
    assert len(carried) == 1, carried
    return carried[0]


async def test_two_shards_answer_their_own_guilds_and_keep_data_apart(sharded: Sharded) -> None:
    sim, bot = sharded.sim, sharded.app.bot
    assert bot.shard_count == 2
    assert sorted(e.detail for e in sim.gateway_events if e.kind == "IDENTIFY") == [[0, 2], [1, 2]]
    for shard, (guild, member) in enumerate(zip(sharded.guilds, sharded.members, strict=True)):
        cached = bot.get_guild(guild.id)
        assert cached is not None and cached.shard_id == shard
        created = await sim.command(guild, member, "playlist create", name="Chill")
        assert "Created **Chill**" in created.content
        reply = await sim.command(guild, member, "playlist add", name="Chill", track=f"{guild.name} - Anthem")
        assert "Added" in reply.content
        assert shard_that_carried(sim, reply) == shard
    for guild, member in zip(sharded.guilds, sharded.members, strict=True):
        shown = await sim.command(guild, member, "playlist show", name="Chill")
        description = shown.embeds[0]["description"]
        other = next(g for g in sharded.guilds if g is not guild)
        assert f"{guild.name}" in description and other.name not in description
        assert await track_count(sharded.app, guild, "Chill") == 1
    assert_nothing_pings(sim)


async def test_one_shard_down_the_other_still_answers_and_nothing_is_lost(sharded: Sharded) -> None:
    sim = sharded.sim
    (alpha, beta), (ann, ben) = sharded.guilds, sharded.members
    for guild, member in ((alpha, ann), (beta, ben)):
        assert "Created" in (await sim.command(guild, member, "playlist create", name="Mix")).content
    await sim.drop_gateway(code=None, shard=1)
    assert sim.gateway.connected(0) and not sim.gateway.connected(1)
    beta_during, alpha_during = await asyncio.gather(
        sim.command(beta, ben, "playlist add", name="Mix", track="Beta - during"),
        sim.command(alpha, ann, "playlist add", name="Mix", track="Alpha - during"),
    )
    assert "Added" in beta_during.content and "Added" in alpha_during.content
    assert shard_that_carried(sim, beta_during) == 1 and shard_that_carried(sim, alpha_during) == 0
    assert [e.shard_id for e in sim.gateway_events if e.kind == "RESUME"] == [1]
    assert await track_count(sharded.app, alpha, "Mix") == 1 and await track_count(sharded.app, beta, "Mix") == 1
