"""Discord's default_member_permissions rule, as the simulator applies it before dispatching a command."""

from __future__ import annotations

import pytest

from bot.sandbox.discord_sim.commands import ADMINISTRATOR, available_to

MANAGE_GUILD, MANAGE_MESSAGES = 1 << 5, 1 << 13


@pytest.mark.parametrize(
    ("wanted", "perms", "owner", "shown"),
    [
        (None, 0, False, True),  # unset: everyone
        (str(MANAGE_GUILD), 0, False, False),
        (str(MANAGE_GUILD), MANAGE_MESSAGES, False, False),
        (str(MANAGE_GUILD), MANAGE_GUILD | MANAGE_MESSAGES, False, True),
        (str(MANAGE_GUILD | MANAGE_MESSAGES), MANAGE_GUILD, False, False),  # every bit is needed
        (str(MANAGE_GUILD), ADMINISTRATOR, False, True),
        ("0", MANAGE_GUILD, False, False),  # "0": administrators only
        ("0", ADMINISTRATOR, False, True),
        ("0", 0, True, True),  # the server owner sees everything
    ],
)
def test_default_member_permissions(wanted: str | None, perms: int, owner: bool, shown: bool) -> None:
    command = {"name": "x"} if wanted is None else {"name": "x", "default_member_permissions": wanted}
    assert available_to(command, perms, owner=owner) is shown
