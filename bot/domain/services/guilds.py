"""The guild service: who is acting (with the server's manager roles) and the server's Sharify settings.

Discord-free: the cog passes what Discord says about the member (id, roles, Manage Server) and gets an `Actor`."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.errors import Forbidden
from bot.domain.permissions import Actor
from bot.domain.ports.storage import GuildRepository, GuildSettings

MANAGE_SERVER_ONLY = "Only members with the Manage Server permission can change Sharify's settings."


class GuildService:
    def __init__(self, guilds: GuildRepository) -> None:
        self._guilds = guilds

    async def actor(self, guild_id: int, user_id: int, role_ids: Iterable[int], *, manage_guild: bool) -> Actor:
        """The member as the permission rules see them: their roles plus the server's manager roles."""
        settings = await self._guilds.settings(guild_id)
        return Actor(
            guild_id=guild_id,
            user_id=user_id,
            role_ids=frozenset(role_ids),
            manage_guild=manage_guild,
            manager_role_ids=frozenset(settings.manager_role_ids),
        )

    async def settings(self, guild_id: int) -> GuildSettings:
        return await self._guilds.settings(guild_id)

    async def set_manager_role(self, actor: Actor, role_id: int, *, present: bool) -> GuildSettings:
        """Add or remove a manager role. Only Manage Server may: a manager role can't appoint more managers."""
        if not actor.manage_guild:
            raise Forbidden(MANAGE_SERVER_ONLY)
        return await self._guilds.set_manager_role(actor.guild_id, role_id, present=present)
