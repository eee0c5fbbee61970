"""The playlist service: every playlist use case, with its permission check, limits and audit event.

Discord-free: the cog turns a Discord interaction into an `Actor` and plain values, calls one method here, and
renders what comes back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from bot.domain import text
from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.models import (
    Entry,
    EventAction,
    NewEntry,
    NewEvent,
    NewPlaylist,
    Playlist,
    PlaylistEvent,
    PlaylistMode,
    Track,
)
from bot.domain.permissions import Actor, require_edit, require_manage
from bot.domain.ports.storage import Moved, Storage
from bot.domain.rounds import visibility
from bot.domain.services.playlist_hooks import Hooks
from bot.domain.services.playlist_values import (
    PAGE_SIZE,
    Added,
    Limits,
    PlaylistPage,
    TrackSource,
    describe,
    dump,
)
from bot.domain.services.playlist_values import (
    position as typed_position,
)
from bot.domain.services.undo import Undo

__all__ = ["PAGE_SIZE", "Added", "Limits", "PlaylistPage", "PlaylistService", "TrackSource"]


class PlaylistService:
    def __init__(
        self,
        storage: Storage,
        *,
        limits: Limits | None = None,
        clock: Clock | None = None,
        tracks: TrackSource | None = None,
    ) -> None:
        self._store = storage
        self._pl = storage.playlists
        self._entries = storage.entries
        self._events = storage.events
        self._tracks = tracks
        self.limits = limits or Limits()
        self._clock = clock or SystemClock()
        self._undo = Undo(storage, limits=lambda: self.limits, clock=self._clock, find=self.get)
        self.hooks = Hooks()  # rounds: adds under a round's rules, withdrawals, anonymous submitters

    def use_hooks(self, rounds: visibility.PlaylistHooks) -> None:
        self.hooks.rounds = rounds

    async def hidden(self, guild_id: int, playlist_id: str | None, viewer: Actor | None) -> visibility.Hidden:
        return await self.hooks.hidden(guild_id, playlist_id, viewer)

    # -- reading ------------------------------------------------------------------------------------------------

    async def get(self, guild_id: int, name: str) -> Playlist:
        found = await self._pl.get_by_name(guild_id, text.name_key(name))
        if found is None:
            raise NotFound(f"There is no playlist named {text.quoted(name.strip())} here.")
        return found

    async def playlists(self, guild_id: int, *, trash: bool = False) -> list[Playlist]:
        return await self._pl.list(guild_id, deleted=trash, limit=self.limits.max_playlists + 1)

    async def suggest_names(self, guild_id: int, typed: str, *, trash: bool = False, limit: int = 25) -> list[str]:
        found = await self._pl.list(guild_id, deleted=trash, prefix=text.name_key(typed), limit=limit)
        return [p.name for p in found]

    async def page(
        self, guild_id: int, name: str, page: int, *, size: int = PAGE_SIZE, viewer: Actor | None = None
    ) -> PlaylistPage:
        return await self._page(guild_id, await self.get(guild_id, name), page, size, viewer)

    async def page_of(
        self, guild_id: int, playlist_id: str, page: int, *, size: int = PAGE_SIZE, viewer: Actor | None = None
    ) -> PlaylistPage:
        """A page of the playlist with this id on this server: what a pager button asks for, so a rename or a new
        playlist under the old name doesn't change which playlist it shows."""
        playlist = await self._pl.get(guild_id, playlist_id)
        if playlist is None or playlist.deleted_at is not None:
            raise NotFound("That playlist was deleted or moved to the trash; `/playlist list` shows what's here.")
        return await self._page(guild_id, playlist, page, size, viewer)

    async def _page(
        self, guild_id: int, playlist: Playlist, page: int, size: int, viewer: Actor | None = None
    ) -> PlaylistPage:
        # The page number is clamped by the count on the playlist; totals and the page are then read together.
        page = min(max(page, 1), max(1, math.ceil(playlist.track_count / size)))
        start = (page - 1) * size
        stats, entries = await self._entries.view(guild_id, playlist.id, offset=start, limit=size)
        stats, entries = await self.hooks.view(stats, entries, guild_id, playlist.id, viewer)
        pages = max(1, math.ceil(stats.total / size))
        return PlaylistPage(
            playlist=playlist,
            entries=[(start + i + 1, e) for i, e in enumerate(entries)],
            page=page,
            pages=pages,
            total=stats.total,
            total_duration_s=stats.total_duration_s,
            unknown_durations=stats.unknown_durations,
            contributors=list(stats.contributors),
        )

    async def suggest_entries(
        self, guild_id: int, name: str, typed: str, *, limit: int = 25
    ) -> list[tuple[int, Entry]]:
        """Entries for autocomplete: the one at a typed position first, then those whose artist or title
        contains what was typed."""
        try:
            playlist = await self.get(guild_id, name)
        except (NotFound, InvalidInput):
            return []
        typed = typed.strip()
        found: list[tuple[int, Entry]] = []
        position = typed_position(typed)
        if position is not None and (at := await self._entries.entry_at(guild_id, playlist.id, position)) is not None:
            found.append((position, at))
        for pos, entry in await self._entries.find(guild_id, playlist.id, typed, limit=limit):
            if len(found) < limit and entry.id not in {e.id for _, e in found}:
                found.append((pos, entry))
        shown = await self.hooks.view(None, [e for _, e in found], guild_id, playlist.id, None)
        return list(zip([pos for pos, _ in found], shown[1], strict=True))

    async def history(
        self, guild_id: int, name: str | None, *, limit: int = 15, viewer: Actor | None = None
    ) -> list[PlaylistEvent]:
        playlist_id = (await self.get(guild_id, name)).id if name else None
        found = await self._events.list(guild_id, playlist_id=playlist_id, limit=limit)
        return await self.hooks.events(found, guild_id, playlist_id, viewer)

    # -- playlist lifecycle --------------------------------------------------------------------------------------

    async def create(
        self, actor: Actor, name: str, description: str = "", mode: PlaylistMode = PlaylistMode.OPEN
    ) -> Playlist:
        display, key = text.playlist_name(name)
        new = NewPlaylist(
            guild_id=actor.guild_id,
            name=display,
            name_key=key,
            description=text.description(description),
            owner_id=actor.user_id,
            mode=mode,
            created_at=self._clock.now(),
        )
        return await self._pl.create(
            new,
            max_per_guild=self.limits.max_playlists,
            event=lambda p: self._event(actor, p.id, EventAction.CREATE, f'created "{display}"'),
        )

    async def rename(self, actor: Actor, name: str, new_name: str) -> Playlist:
        playlist = await self.get(actor.guild_id, name)
        require_manage(actor, playlist)
        display, key = text.playlist_name(new_name)
        summary = f'renamed "{playlist.name}" to "{display}"'
        event = self._event(actor, playlist.id, EventAction.RENAME, summary, old=playlist.name)
        return await self._pl.update(
            actor.guild_id, playlist.id, at=self._clock.now(), name=display, name_key=key, event=event
        )

    async def describe(self, actor: Actor, name: str, description: str) -> Playlist:
        playlist = await self.get(actor.guild_id, name)
        require_manage(actor, playlist)
        new = text.description(description)
        event = self._event(
            actor, playlist.id, EventAction.DESCRIBE, "changed the description", old=playlist.description
        )
        return await self._pl.update(actor.guild_id, playlist.id, at=self._clock.now(), description=new, event=event)

    async def set_mode(self, actor: Actor, name: str, mode: PlaylistMode) -> Playlist:
        playlist = await self.get(actor.guild_id, name)
        require_manage(actor, playlist)
        summary = f"set the mode to {mode.value}"
        event = self._event(actor, playlist.id, EventAction.MODE, summary, old=playlist.mode.value)
        return await self._pl.update(actor.guild_id, playlist.id, at=self._clock.now(), mode=mode, event=event)

    async def set_collaborator(
        self, actor: Actor, name: str, *, user_id: int | None = None, role_id: int | None = None, add: bool
    ) -> Playlist:
        if (user_id is None) == (role_id is None):
            raise InvalidInput("Choose a member or a role.")
        playlist = await self.get(actor.guild_id, name)
        require_manage(actor, playlist)
        who = f"<@{user_id}>" if user_id is not None else f"<@&{role_id}>"
        verb = "added collaborator" if add else "removed collaborator"
        event = self._event(
            actor, playlist.id, EventAction.COLLABORATORS, f"{verb} {who}", user_id=user_id, role_id=role_id, added=add
        )
        return await self._pl.set_collaborator(
            actor.guild_id,
            playlist.id,
            at=self._clock.now(),
            user_id=user_id,
            role_id=role_id,
            present=add,
            event=event,
        )

    async def delete(self, actor: Actor, name: str) -> Playlist:
        playlist = await self.get(actor.guild_id, name)
        require_manage(actor, playlist)
        event = self._event(actor, playlist.id, EventAction.DELETE, f'moved "{playlist.name}" to the trash')
        return await self._pl.soft_delete(actor.guild_id, playlist.id, at=self._clock.now(), event=event)

    async def restore(self, actor: Actor, name: str) -> Playlist:
        trashed = await self._pl.get_by_name(actor.guild_id, text.name_key(name), deleted=True)
        if trashed is None:
            raise NotFound(f"There is no playlist named {text.quoted(name.strip())} in the trash.")
        require_manage(actor, trashed)
        event = self._event(actor, trashed.id, EventAction.RESTORE, f'restored "{trashed.name}" from the trash')
        return await self._pl.restore(
            actor.guild_id, trashed.id, at=self._clock.now(), max_per_guild=self.limits.max_playlists, event=event
        )

    async def purge_trash(self) -> int:
        return await self._pl.purge_deleted(before=self._clock.now() - timedelta(days=self.limits.trash_days))

    # -- tracks --------------------------------------------------------------------------------------------------

    async def add(
        self, actor: Actor, name: str, tracks: Sequence[Track], *, reasons: Sequence[str] | None = None
    ) -> tuple[Playlist, list[Entry]]:
        """Append tracks. `reasons` (one per track, e.g. why a mix picked it) are kept in the audit event."""
        if not tracks:
            raise InvalidInput("There is no track to add.")
        playlist = await self.editable(actor, name)
        return playlist, await self._append(actor, playlist, tracks, reasons=reasons)

    async def add_typed(self, actor: Actor, name: str, typed: str, *, allow_duplicate: bool = True) -> Added:
        """Add what the member typed ("Artist - Title"), found on Last.fm: the playlist is looked up and the
        permission checked before Last.fm is asked; then one write holds the track and its event. Without
        `allow_duplicate`, a track already in the playlist is not added: `already` says where it is."""
        playlist = await self.editable(actor, name)
        resolved = await self._source().resolve(typed)
        if not allow_duplicate and (found := await self._find_same(actor.guild_id, playlist, resolved.track)):
            return Added(playlist, [], resolved, already=found)
        return Added(playlist, await self._append(actor, playlist, [resolved.track]), resolved)

    async def _find_same(self, guild_id: int, playlist: Playlist, track: Track) -> tuple[int, Entry] | None:
        return await self._entries.find_key(guild_id, playlist.id, text.track_key(track))

    async def add_playing(self, actor: Actor, name: str | None) -> Added:
        """Add the member's now playing (or last played) track to `name`, or to the playlist they last added to."""
        playlist = await self.editable(actor, name) if name else await self._last_added_to(actor)
        require_edit(actor, playlist)
        playing = await self._source().playing(actor.user_id)
        return Added(playlist, await self._append(actor, playlist, [playing.track]), playing)

    async def editable(self, actor: Actor, name: str) -> Playlist:
        """The playlist if the actor may change its tracks (checked before slow lookups, so errors come first)."""
        playlist = await self.get(actor.guild_id, name)
        require_edit(actor, playlist)
        return playlist

    async def last_added_to(self, actor: Actor) -> str:
        """The name of the live playlist this member most recently added a track to on this server."""
        return (await self._last_added_to(actor)).name

    async def resolve_entry(self, guild_id: int, playlist: Playlist, choice: str) -> Entry:
        """An entry from what the member typed or picked: a 1-based position ("3") or an autocomplete value."""
        choice = choice.strip()
        entry: Entry | None = None
        if choice.startswith("id:"):
            entry = await self._entries.get(guild_id, playlist.id, choice[3:])
        elif choice.isdigit():  # a position, even if it can't exist ("²", 20 digits): never a text search
            position = typed_position(choice)
            entry = await self._entries.entry_at(guild_id, playlist.id, position) if position is not None else None
        else:
            matches = await self._entries.find(guild_id, playlist.id, choice, limit=2)
            entry = matches[0][1] if len(matches) == 1 else None
            if len(matches) > 1:
                raise InvalidInput("Several tracks match that; pick one from the list or give its position.")
        if entry is None:
            raise NotFound(f"{text.quoted(playlist.name)} has no such track (it has {playlist.track_count}).")
        return entry

    async def remove(self, actor: Actor, name: str, choice: str) -> Entry:
        playlist = await self.editable(actor, name)
        entry = await self.resolve_entry(actor.guild_id, playlist, choice)

        def event(removed: list[Entry]) -> NewEvent | None:
            summary = f"removed {describe(entry.track)}"
            return (
                self._event(actor, playlist.id, EventAction.REMOVE, summary, entries=dump(removed)) if removed else None
            )

        removed = await self._entries.remove(actor.guild_id, playlist.id, [entry.id], at=self._clock.now(), event=event)
        if not removed:
            raise Conflict("Someone removed that track a moment ago.")
        await self.hooks.removed(actor.guild_id, playlist.id, removed)  # an open round frees the member's quota
        return removed[0]

    async def move(self, actor: Actor, name: str, choice: str, to_position: int) -> tuple[Entry, int]:
        playlist = await self.editable(actor, name)
        if to_position < 1:
            raise InvalidInput("Positions start at 1.")
        entry = await self.resolve_entry(actor.guild_id, playlist, choice)

        def event(moved: Moved) -> NewEvent:
            summary = f"moved {describe(entry.track)} to #{moved.position}"
            return self._event(
                actor, playlist.id, EventAction.MOVE, summary, entry_id=entry.id, old_key=entry.order_key
            )

        moved = await self._entries.move(
            actor.guild_id, playlist.id, entry.id, to_position, at=self._clock.now(), event=event
        )
        return moved.entry, moved.position

    async def dedupe(self, actor: Actor, name: str) -> list[Entry]:
        playlist = await self.editable(actor, name)
        duplicates = await self._entries.duplicates(actor.guild_id, playlist.id)
        if not duplicates:
            return []

        def event(removed: list[Entry]) -> NewEvent | None:
            summary = f"removed {len(removed)} duplicate(s)"
            return (
                self._event(actor, playlist.id, EventAction.DEDUPE, summary, entries=dump(removed)) if removed else None
            )

        ids = [e.id for e in duplicates]
        removed = await self._entries.remove(actor.guild_id, playlist.id, ids, at=self._clock.now(), event=event)
        await self.hooks.removed(actor.guild_id, playlist.id, removed)
        return removed

    # -- undo ----------------------------------------------------------------------------------------------------

    async def undo(self, actor: Actor, name: str | None = None, *, user_id: int | None = None) -> PlaylistEvent:
        """Undo the actor's last change (on one playlist if named); see `bot.domain.services.undo`. Undoing an add
        of a round submission while the round is open withdraws the submission."""
        return await self.hooks.undone(await self._undo.undo(actor, name, user_id=user_id))

    # -- helpers -------------------------------------------------------------------------------------------------

    async def _append(
        self, actor: Actor, playlist: Playlist, tracks: Sequence[Track], *, reasons: Sequence[str] | None = None
    ) -> list[Entry]:
        if (routed := await self.hooks.route_add(actor, playlist, tracks)) is not None:
            return routed  # a round runs on this playlist: its quota, repeat and window rules apply
        now = self._clock.now()
        extra: dict[str, object] = {} if reasons is None else {"reasons": list(reasons)}
        new = [NewEntry(track=t, norm_key=text.track_key(t), added_by=actor.user_id, added_at=now) for t in tracks]

        def event(added: list[Entry]) -> NewEvent:
            more = f" and {len(added) - 1} more" if len(added) > 1 else ""
            summary = f"added {describe(added[0].track)}{more}"
            return self._event(actor, playlist.id, EventAction.ADD, summary, entry_ids=[e.id for e in added], **extra)

        return await self._entries.append(
            actor.guild_id, playlist.id, new, max_tracks=self.limits.max_tracks, at=now, event=event
        )

    async def _last_added_to(self, actor: Actor) -> Playlist:
        for event in await self._events.list(actor.guild_id, actor_id=actor.user_id, limit=200):
            if event.action is EventAction.ADD:
                playlist = await self._pl.get(actor.guild_id, event.playlist_id)
                if playlist is not None and playlist.deleted_at is None:
                    return playlist
        raise InvalidInput("Name the playlist to add to: you haven't added a track to one here yet.")

    def _source(self) -> TrackSource:
        if self._tracks is None:
            raise InvalidInput("Finding tracks is not available right now.")
        return self._tracks

    def _event(self, actor: Actor, playlist_id: str, action: EventAction, summary: str, **data: object) -> NewEvent:
        return NewEvent(
            guild_id=actor.guild_id,
            playlist_id=playlist_id,
            actor_id=actor.user_id,
            action=action,
            summary=summary,
            data=data,
            at=self._clock.now(),
        )
