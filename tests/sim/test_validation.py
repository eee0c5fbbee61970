"""Discord's rules as the simulator enforces them, seen from the unmodified discord.py client."""

from __future__ import annotations

import discord
import pytest
from discord.ext import commands

from bot.sandbox.discord_sim import DiscordAPIError, DiscordSimulator, SimGuild, validation

from .conftest import make_bot


def test_default_deadline_is_discords_three_seconds():
    assert DiscordSimulator().state.deadline == 3.0


async def test_late_first_response_is_unknown_interaction_and_counted(guild_factory):
    async with DiscordSimulator(deadline=0.3) as sim:
        guild = guild_factory(sim)
        async with sim.running(make_bot(guild.id)) as bot:
            on_time = await sim.command(guild, "alice", "late", delay=0.0)
            assert on_time.content == "finally" and not sim.missed_deadlines
            late = await sim.command(guild, "alice", "late", delay=0.45)
    assert [(e.status, e.code) for e in late.errors] == [(404, 10062)]
    assert late.message is None
    assert [m.name for m in sim.missed_deadlines] == ["late"]
    assert 100 < sim.missed_deadlines[0].late_by_ms < 1000
    assert isinstance(bot.seen_errors[-1].original, discord.NotFound)  # type: ignore[attr-defined]


async def test_second_initial_response_is_40060(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    reply = await sim.command(guild, "alice", "double")
    assert reply.content == "one"
    assert [(e.status, e.code) for e in reply.errors] == [(400, 40060)]


@pytest.mark.parametrize(("size", "ok"), [(2000, True), (2001, False)])
async def test_content_limit(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot, size: int, ok: bool):
    reply = await sim.command(guild, "alice", "long", size=size)
    if ok:
        assert len(reply.content) == 2000 and not sim.violations
    else:
        (violation,) = sim.violations
        assert (violation.status, violation.code) == (400, 50035)
        assert violation.errors == {
            "data": {
                "content": {
                    "_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]
                }
            }
        }
        assert reply.message is None


async def test_embed_limits(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.command(guild, "alice", "bigembed", size=4097)
    await sim.command(guild, "alice", "bigembed", size=3500, count=2)
    fine = await sim.command(guild, "alice", "bigembed", size=2900, count=2)
    assert len(fine.embeds) == 2
    first, second = sim.violations
    assert "description" in first.errors["data"]["embeds"]["0"]
    assert second.errors["data"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"


async def test_too_many_autocomplete_choices_rejected(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    choices = await sim.autocomplete(guild, "alice", "playlist add", focused="track", track="many")
    assert choices == []
    (violation,) = sim.violations
    assert violation.code == 50035 and "choices" in violation.errors["data"]


async def test_command_sync_is_validated(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    app_id = sim.bot_user.id
    option = {"type": 3, "name": "o", "description": "d"}
    many_choices = [{"name": str(i), "value": str(i)} for i in range(26)]
    big_choices = [{"name": "n" * 100, "value": "v" * 100}] * 25
    bad = [
        {"name": "Upper", "description": "x", "type": 1},
        {"name": "long", "description": "x" * 101, "type": 1},
        {"name": "many", "description": "x", "options": [{**option, "name": f"o{i}"} for i in range(26)]},
        {"name": "choices", "description": "x", "options": [{**option, "choices": many_choices}]},
        {
            "name": "huge",
            "description": "x",
            "options": [
                {**option, "name": f"o{i}", "description": "y" * 100, "choices": big_choices} for i in range(2)
            ],
        },
    ]
    with pytest.raises(discord.HTTPException) as caught:
        await bot.http.bulk_upsert_global_commands(app_id, bad)
    assert caught.value.status == 400 and caught.value.code == 50035
    errors = sim.violations[-1].errors
    assert errors is not None and set(errors) == {"0", "1", "2", "3", "4"}
    assert errors["4"]["_errors"][0]["code"] == "APPLICATION_COMMAND_TOO_LARGE"
    assert {c["name"] for c in sim.commands[None]} >= {"playlist"}  # the failed sync changed nothing


def _code(call, *args, **kwargs) -> tuple[int, dict]:
    with pytest.raises(DiscordAPIError) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.errors or {}


def test_component_limits():
    button = {"type": 2, "style": 1, "label": "b", "custom_id": "x"}
    rows = [{"type": 1, "components": [{**button, "custom_id": f"r{i}"}]} for i in range(6)]
    assert _code(validation.check_message, {"components": rows})[0] == 50035
    crowded = [{"type": 1, "components": [{**button, "custom_id": f"c{i}"} for i in range(6)]}]
    assert _code(validation.check_message, {"components": crowded})[0] == 50035
    long_label = [{"type": 1, "components": [{**button, "label": "l" * 81}]}]
    assert "label" in str(_code(validation.check_message, {"components": long_label})[1])
    duplicated = [{"type": 1, "components": [button, button]}]
    assert "COMPONENT_CUSTOM_ID_DUPLICATED" in str(_code(validation.check_message, {"components": duplicated})[1])
    empty_id = [{"type": 1, "components": [{**button, "custom_id": ""}]}]
    assert "custom_id" in str(_code(validation.check_message, {"components": empty_id})[1])
    select = {"type": 3, "custom_id": "s", "options": [{"label": str(i), "value": str(i)} for i in range(26)]}
    assert "options" in str(_code(validation.check_message, {"components": [{"type": 1, "components": [select]}]})[1])
    validation.check_message({"components": [{"type": 1, "components": [button]}]})  # a valid one passes


def test_modal_limits_and_empty_message():
    text = {"type": 4, "custom_id": "t", "label": "T", "style": 1}
    row = {"type": 1, "components": [text]}
    assert "title" in str(_code(validation.check_modal, {"title": "t" * 46, "custom_id": "m", "components": [row]})[1])
    six = [{"type": 1, "components": [{**text, "custom_id": f"t{i}"}]} for i in range(6)]
    assert "components" in str(_code(validation.check_modal, {"title": "ok", "custom_id": "m", "components": six})[1])
    assert _code(validation.check_modal, {"title": "ok", "custom_id": "m", "components": []})[0] == 50035
    assert _code(validation.check_message, {"content": ""})[0] == 50006
    assert _code(validation.check_choices, [{"name": "n" * 101, "value": "v"}])[0] == 50035
