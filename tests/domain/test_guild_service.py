"""The guild service: actors carry the server's manager roles; only Manage Server changes them."""

from __future__ import annotations

import pytest

from bot.domain.errors import Forbidden
from bot.domain.services.guilds import GuildService

GUILD, OTHER = 1, 2
DJ_ROLE = 50


@pytest.fixture
def guilds(sqlite_storage) -> GuildService:
    return GuildService(sqlite_storage.guilds)


async def test_an_actor_is_a_manager_through_a_configured_role(guilds: GuildService) -> None:
    admin = await guilds.actor(GUILD, 1, [], manage_guild=True)
    await guilds.set_manager_role(admin, DJ_ROLE, present=True)

    dj = await guilds.actor(GUILD, 2, [DJ_ROLE], manage_guild=False)
    plain = await guilds.actor(GUILD, 3, [7], manage_guild=False)
    elsewhere = await guilds.actor(OTHER, 2, [DJ_ROLE], manage_guild=False)

    assert dj.is_manager and dj.manager_role_ids == {DJ_ROLE}
    assert not plain.is_manager
    assert not elsewhere.is_manager  # manager roles are per server


async def test_only_manage_server_changes_manager_roles(guilds: GuildService) -> None:
    admin = await guilds.actor(GUILD, 1, [], manage_guild=True)
    await guilds.set_manager_role(admin, DJ_ROLE, present=True)
    dj = await guilds.actor(GUILD, 2, [DJ_ROLE], manage_guild=False)

    with pytest.raises(Forbidden, match="Manage Server"):
        await guilds.set_manager_role(dj, 99, present=True)  # a manager role can't appoint more managers
    assert (await guilds.settings(GUILD)).manager_role_ids == (DJ_ROLE,)

    await guilds.set_manager_role(admin, DJ_ROLE, present=False)
    assert (await guilds.settings(GUILD)).manager_role_ids == ()
