"""Data rights: a member's forget-me, and deleting a server's data some time after the bot was removed from it.

Discord-free. Forget-me is global (a Discord user id is the same on every server): the linked Last.fm account goes,
and wherever the member is credited (tracks they added, changes in the history, playlists they own or co-edit)
the credit becomes 0, which every view shows as "a former member"; round submissions alike, and their votes in
rounds not revealed yet are deleted (revealed ones keep the vote, credited to 0). A removed server's playlists,
tracks, rounds, history and settings are deleted after a grace period, unless the bot is added back first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.clock import Clock
from bot.domain.ports.storage import Storage

log = logging.getLogger(__name__)

FORMER_MEMBER_ID = 0  # the user id every forgotten attribution becomes


@dataclass(frozen=True)
class Forgotten:
    account: bool  # a linked Last.fm account was deleted
    tracks: int  # entries no longer credited to the member
    events: int  # history entries no longer credited to the member
    playlists: int  # playlists the member no longer owns or co-edits
    rounds: int = 0  # round submissions and votes no longer credited to the member (or deleted, before a reveal)


class PrivacyService:
    def __init__(self, storage: Storage, *, clock: Clock, grace_days: int = 30) -> None:
        self._store = storage
        self._clock = clock
        self.grace = timedelta(days=grace_days)

    async def forget_member(self, user_id: int) -> Forgotten:
        """Delete what Sharify keeps about the member and anonymize their credits. Each step is idempotent, so a
        forget-me interrupted half-way is finished by running it again."""
        if user_id == FORMER_MEMBER_ID:
            raise ValueError("user id 0 is the former-member sentinel")
        store = self._store
        account = await store.accounts.unlink(user_id)
        tracks = await store.entries.forget_user(user_id)
        events = await store.events.forget_user(user_id)
        playlists = await store.playlists.forget_user(user_id)
        rounds = await store.rounds.forget_user(user_id)
        return Forgotten(account=account, tracks=tracks, events=events, playlists=playlists, rounds=rounds)

    async def server_removed(self, guild_id: int) -> None:
        """The bot left the server (kicked, or the server deleted): its data goes after the grace period."""
        await self._store.guilds.mark_removed(guild_id, self._clock.now())

    async def server_added(self, guild_id: int) -> bool:
        """The bot joined a server: a pending deletion of its data is cancelled. True if one was."""
        if (await self._store.guilds.settings(guild_id)).removed_at is None:
            return False  # nothing pending: don't write a row for every server the bot joins
        await self._store.guilds.mark_removed(guild_id, None)
        return True

    async def purge_removed_servers(self) -> int:
        """Delete the data of every server the bot left more than the grace period ago. The settings row goes
        first, guarded by its removal time, so a server that added the bot back meanwhile keeps everything."""
        cutoff = self._clock.now() - self.grace
        purged = 0
        for guild_id in await self._store.guilds.removed_before(cutoff):
            if not await self._store.guilds.delete(guild_id, removed_before=cutoff):
                continue  # added back a moment ago
            rounds = await self._store.rounds.delete_guild(guild_id)
            playlists = await self._store.playlists.delete_guild(guild_id)
            events = await self._store.events.delete_guild(guild_id)
            log.info(
                "deleted a removed server's data",
                extra={"guild_id": guild_id, "playlists": playlists, "events": events, "rounds": rounds},
            )
            purged += 1
        return purged
