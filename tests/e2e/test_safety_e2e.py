"""Hostile names and tracks through the real bot: replies stay within Discord's limits and render nothing live."""

from __future__ import annotations

import pytest

from bot.sandbox.discord_sim.markdown import entities_in_payload
from tests.cogs.hostile import REVIEW_CASES

pytestmark = pytest.mark.e2e


async def test_restore_with_a_huge_name_still_gets_a_reply(world):
    """Regression: the name was echoed raw, the reply passed 2,000 characters, Discord refused it: no reply at all."""
    reply = await world.run(world.alice, "playlist restore", name="n" * 2500)
    assert not reply.errors, reply.errors
    assert reply.ephemeral and reply.content.endswith(" in the trash.")
    assert reply.content.startswith('There is no playlist named "nnn') and len(reply.content) <= 2000


@pytest.mark.parametrize("name", REVIEW_CASES, ids=range(len(REVIEW_CASES)))
async def test_restore_echoes_hostile_names_inert(world, name):
    reply = await world.run(world.alice, "playlist restore", name=name)
    assert not reply.errors and reply.ephemeral and "in the trash" in reply.content
    assert entities_in_payload({"content": reply.content}) == []
