"""Undo: find a member's last change and revert it, with its UNDO event, in one write.

Used by the playlist service (`PlaylistService.undo` is the use case); kept apart so the service stays readable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.domain import text
from bot.domain.clock import Clock
from bot.domain.errors import Forbidden, InvalidInput, NotFound
from bot.domain.models import Entry, EventAction, NewEvent, Playlist, PlaylistEvent, PlaylistMode
from bot.domain.permissions import Actor, require_edit, require_manage
from bot.domain.ports.shares import Share, new_token
from bot.domain.ports.storage import Storage

if TYPE_CHECKING:
    from bot.domain.services.playlists import Limits

TRACK_CHANGES = (EventAction.ADD, EventAction.REMOVE, EventAction.MOVE, EventAction.DEDUPE)


class Undo:
    def __init__(
        self,
        storage: Storage,
        *,
        limits: Callable[[], Limits],
        clock: Clock,
        find: Callable[[int, str], Awaitable[Playlist]],
    ) -> None:
        """`limits()`: the service's current limits; `find(guild_id, name)`: the live playlist by name, NotFound
        else."""
        self._pl = storage.playlists
        self._entries = storage.entries
        self._events = storage.events
        self._shares = storage.shares
        self._limits = limits
        self._clock = clock
        self._find = find

    async def undo(self, actor: Actor, name: str | None = None, *, user_id: int | None = None) -> PlaylistEvent:
        """Undo the actor's last change (on one playlist if named). Managers may undo another member's. The
        revert, its UNDO event and the mark on the undone event are one write."""
        target = actor.user_id if user_id is None else user_id
        if target != actor.user_id and not actor.is_manager:
            raise Forbidden("Only server managers can undo another member's change.")
        playlist_id = (await self._find(actor.guild_id, name)).id if name else None
        event = await self._events.last_undoable(actor.guild_id, actor_id=target, playlist_id=playlist_id)
        if event is None:
            raise NotFound("There is nothing to undo.")
        playlist = await self._pl.get(actor.guild_id, event.playlist_id)
        if playlist is None:
            raise NotFound("That playlist no longer exists, so the change can't be undone.")
        if playlist.deleted_at is not None and event.action is not EventAction.DELETE:
            raise NotFound(
                f"{text.quoted(playlist.name)} is in the trash: restore it first with `/playlist restore`, then undo."
            )
        if event.action in TRACK_CHANGES:
            require_edit(actor, playlist)
        else:
            require_manage(actor, playlist)
        undo = NewEvent(
            guild_id=actor.guild_id,
            playlist_id=playlist.id,
            actor_id=actor.user_id,
            action=EventAction.UNDO,
            summary=f"undid: {event.summary}",
            data={"event_id": event.id},
            at=self._clock.now(),
        )
        await self._revert(actor, playlist, event, undo)
        return event

    async def _revert(self, actor: Actor, playlist: Playlist, event: PlaylistEvent, undo: NewEvent) -> None:
        g, pid, now, d = actor.guild_id, playlist.id, self._clock.now(), event.data
        match event.action:
            case EventAction.ADD:
                await self._entries.remove(g, pid, d["entry_ids"], at=now, event=lambda _removed: undo)
            case EventAction.REMOVE | EventAction.DEDUPE:
                entries = [Entry.model_validate(e) for e in d["entries"]]
                await self._entries.reinsert(g, pid, entries, max_tracks=self._limits().max_tracks, at=now, event=undo)
            case EventAction.MOVE:
                await self._entries.set_order_key(g, pid, d["entry_id"], d["old_key"], at=now, event=undo)
            case EventAction.RENAME:
                await self._pl.update(g, pid, at=now, name=d["old"], name_key=text.name_key(d["old"]), event=undo)
            case EventAction.DESCRIBE:
                await self._pl.update(g, pid, at=now, description=d["old"], event=undo)
            case EventAction.MODE:
                await self._pl.update(g, pid, at=now, mode=PlaylistMode(d["old"]), event=undo)
            case EventAction.COLLABORATORS:
                await self._pl.set_collaborator(
                    g, pid, at=now, user_id=d["user_id"], role_id=d["role_id"], present=not d["added"], event=undo
                )
            case EventAction.DELETE:
                await self._pl.restore(g, pid, at=now, max_per_guild=self._limits().max_playlists, event=undo)
            case EventAction.SHARE:
                await self._share(actor, pid, d, undo)
            case EventAction.CREATE | EventAction.RESTORE:
                await self._pl.soft_delete(g, pid, at=now, event=undo)
            case EventAction.UNDO:  # pragma: no cover - last_undoable never returns an undo
                raise InvalidInput("An undo can't be undone.")

    async def _share(self, actor: Actor, playlist_id: str, data: dict[str, object], undo: NewEvent) -> None:
        """Undo a public page change. Undoing "off" gives a page with a NEW address: a revoked one never returns."""
        g, now = actor.guild_id, self._clock.now()
        match data.get("change"):
            case "on":
                await self._shares.revoke(g, playlist_id, at=now, event=undo)
            case "off":
                share = Share(
                    token=new_token(), guild_id=g, playlist_id=playlist_id, created_by=actor.user_id, created_at=now
                )
                await self._shares.create(share, at=now, event=undo)
            case _:
                await self._shares.set_indexable(g, playlist_id, bool(data.get("old")), at=now, event=undo)
