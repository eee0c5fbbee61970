"""Where the playlist service meets the rounds: a round running on a playlist decides how tracks are added to it
(its quota, repeat and window rules), withdraws a submission whose track leaves the playlist, refuses bulk imports,
and hides anonymous submitters until its reveal. With no hooks set, playlists behave as ordinary playlists."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.models import Entry, EventAction, Playlist, PlaylistEvent, Track
from bot.domain.permissions import Actor
from bot.domain.ports.storage import PlaylistStats
from bot.domain.rounds import visibility


class Hooks:
    def __init__(self) -> None:
        self.rounds: visibility.PlaylistHooks | None = None

    async def hidden(self, guild_id: int, playlist_id: str | None, viewer: Actor | None) -> visibility.Hidden:
        """Entries whose adder `viewer` may not see yet (an anonymous round before its reveal; managers see all)."""
        if self.rounds is None or (viewer is not None and viewer.is_manager):
            return {}
        return await self.rounds.hidden(guild_id, playlist_id)

    async def view[S: PlaylistStats | None](
        self, stats: S, entries: list[Entry], guild_id: int, playlist_id: str, viewer: Actor | None
    ) -> tuple[S, list[Entry]]:
        """Totals and entries as `viewer` may see them."""
        hidden = await self.hidden(guild_id, playlist_id, viewer)
        if not hidden:
            return stats, entries
        shown = visibility.stats(stats, hidden) if stats is not None else stats
        return shown, visibility.entries(entries, hidden)  # type: ignore[return-value]

    async def events(
        self, found: Sequence[PlaylistEvent], guild_id: int, playlist_id: str | None, viewer: Actor | None
    ) -> list[PlaylistEvent]:
        return visibility.events(found, await self.hidden(guild_id, playlist_id, viewer))

    async def route_add(self, actor: Actor, playlist: Playlist, tracks: Sequence[Track]) -> list[Entry] | None:
        """The entries a running round added under its rules, or None: add them the ordinary way."""
        return None if self.rounds is None else await self.rounds.route_add(actor, playlist, tracks)

    async def removed(self, guild_id: int, playlist_id: str, entries: Sequence[Entry]) -> None:
        if self.rounds is not None and entries:
            await self.rounds.removed(guild_id, playlist_id, [e.id for e in entries])

    async def undone(self, event: PlaylistEvent) -> PlaylistEvent:
        """After `event` was undone: an undone add took its entries out of the playlist (see `removed`)."""
        ids = event.data.get("entry_ids")
        if self.rounds is not None and event.action is EventAction.ADD and isinstance(ids, list) and ids:
            await self.rounds.removed(event.guild_id, event.playlist_id, [i for i in ids if isinstance(i, str)])
        return event

    async def refuse_bulk(self, playlist: Playlist) -> None:
        if self.rounds is not None:
            await self.rounds.refuse_bulk(playlist)
