"""Sharify's command definitions as registered: every command and option described, none with the placeholder."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def _walk(option: dict, path: str):
    yield path, option.get("description", "")
    for child in option.get("options") or []:
        yield from _walk(child, f"{path} {child['name']}")


async def test_every_command_and_option_has_a_real_description(world):
    registered = [c for commands in world.sim.commands.values() for c in commands]
    assert len(registered) >= 4  # /playlist, /lastfm, /track, /sharify at least
    described = dict(pair for command in registered for pair in _walk(command, command["name"]))
    assert len(described) > 40
    placeholders = sorted(path for path, text in described.items() if text.strip() in ("", "…", "..."))
    assert placeholders == []
    assert world.sim.placeholder_descriptions == []
