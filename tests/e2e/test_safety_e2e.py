"""Hostile names and tracks through the real bot: replies stay within Discord's limits and render nothing live."""

from __future__ import annotations

import pytest

from bot.sandbox.discord_sim import CommandUsageError
from bot.sandbox.discord_sim.markdown import entities_in_payload
from bot.tree import FALLBACK
from tests.cogs.hostile import REVIEW_CASES

pytestmark = pytest.mark.e2e


async def test_restore_names_are_held_to_100_characters_by_discord(world):
    """A 2,500-character name once made an error reply too long for Discord: no reply at all. The name option now
    carries max_length 100, so Discord's client refuses such a name before the bot sees it (the simulator too)."""
    playlist = next(c for c in world.sim.commands[None] if c["name"] == "playlist")
    restore = next(o for o in playlist["options"] if o["name"] == "restore")
    (name,) = restore["options"]
    assert (name["min_length"], name["max_length"], name["autocomplete"]) == (1, 100, True)
    with pytest.raises(CommandUsageError, match="length 2500"):
        await world.run(world.alice, "playlist restore", name="n" * 2500)
    reply = await world.run(world.alice, "playlist restore", name="n" * 100)  # the longest allowed is echoed whole
    assert reply.ephemeral and reply.content == f'There is no playlist named "{"n" * 100}" in the trash.'


async def test_an_error_reply_discord_refuses_falls_back_to_a_short_one(world):
    """If Discord refuses the error reply's form (400/50035), the member still hears back, once."""
    world.sim.inject_rest_failure("POST /interactions/*/callback", status=400, code=50035)
    reply = await world.run(world.alice, "playlist restore", name="missing")
    assert not reply.errors, reply.errors
    assert reply.ephemeral and reply.content == FALLBACK
    refused = [r for r in world.sim.requests if r.status == 400]
    assert len(refused) == 1 and "missing" in str(refused[0].json)  # the real reply was tried first


@pytest.mark.parametrize("name", REVIEW_CASES, ids=range(len(REVIEW_CASES)))
async def test_restore_echoes_hostile_names_inert(world, name):
    reply = await world.run(world.alice, "playlist restore", name=name)
    assert not reply.errors and reply.ephemeral and "in the trash" in reply.content
    assert entities_in_payload({"content": reply.content}) == []
