"""Storage ports: what the domain needs from a store. `storage/sqlite` and `storage/mongo` implement them.

One repository per aggregate (playlists, their entries, the audit events, guild settings, linked accounts, the
Last.fm cache, and scheduled posts in `ports.schedules`), gathered once in `Storage`.

Every method is scoped by `guild_id`: a row of another guild is invisible (None / NotFound) even when its id is
known. Writes that can race are single atomic operations or conditional updates, never read-modify-write.
Times are always passed in (the caller owns the clock). Errors are the domain's own (`bot.domain.errors`).

A change and its audit event are one write: every mutating method takes the event to record (`event=`), either
as a `NewEvent` or, when the event depends on what the write produced (new ids, the final position), as a pure
function of the result (`EventFor`) that the store calls inside the write. The change and the event commit
together or not at all. An event whose `action` is UNDO also marks the event it undoes (`data["event_id"]`) as
undone in the same write, refused with Conflict if it already was.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from bot.domain.models import (
    Account,
    Entry,
    NewEntry,
    NewEvent,
    NewPlaylist,
    Playlist,
    PlaylistEvent,
    PlaylistMode,
)
from bot.domain.ports.rounds import RoundRepository
from bot.domain.ports.schedules import ScheduleRepository
from bot.domain.ports.shares import ShareRepository

type EventFor[R] = Callable[[R], NewEvent | None]
"""The event to record for a write's result (None: record nothing, e.g. nothing was removed)."""


class GuildSettings(BaseModel):
    model_config = ConfigDict(frozen=True)
    guild_id: int
    manager_role_ids: tuple[int, ...] = ()
    removed_at: datetime | None = None  # when the bot left the server: its data goes after a grace period
    timezone: str | None = None  # the server's default time zone for schedules (IANA name)


class PlaylistStats(BaseModel):
    model_config = ConfigDict(frozen=True)
    total: int = 0
    total_duration_s: int = 0
    unknown_durations: int = 0  # entries with no known length
    contributors: tuple[tuple[int, int], ...] = ()  # (user id, entries added), most first, then by id


class CachedValue(BaseModel):
    model_config = ConfigDict(frozen=True)
    key: str
    value: Any  # JSON-compatible
    stored_at: datetime
    fresh_until: datetime  # after this the value is stale: served only when the upstream is failing
    expires_at: datetime  # after this the value is gone


@dataclass(frozen=True)
class Moved:
    entry: Entry
    position: int  # 1-based, as it stands right after the move


class PlaylistRepository(Protocol):
    async def create(
        self, new: NewPlaylist, *, max_per_guild: int, event: EventFor[Playlist] | None = None
    ) -> Playlist:
        """Create a live playlist. Conflict if a live one has the same name_key in the guild; LimitExceeded if
        the guild already has `max_per_guild` live playlists (checked atomically)."""
        ...

    async def get(self, guild_id: int, playlist_id: str) -> Playlist | None:
        """By id, live or in the trash; None for another guild's id."""
        ...

    async def get_by_name(self, guild_id: int, name_key: str, *, deleted: bool = False) -> Playlist | None:
        """A live playlist by name_key (or, with deleted=True, the most recently trashed one of that name)."""
        ...

    async def list(
        self, guild_id: int, *, deleted: bool = False, prefix: str = "", limit: int = 1000
    ) -> builtins.list[Playlist]:
        """Live (or trashed) playlists of the guild whose name_key starts with `prefix`, ordered by name_key."""
        ...

    async def update(
        self,
        guild_id: int,
        playlist_id: str,
        *,
        at: datetime,
        name: str | None = None,
        name_key: str | None = None,
        description: str | None = None,
        mode: PlaylistMode | None = None,
        event: NewEvent | None = None,
    ) -> Playlist:
        """Change the given fields of a live playlist, bump revision. NotFound if not live; Conflict on a name
        clash."""
        ...

    async def set_collaborator(
        self,
        guild_id: int,
        playlist_id: str,
        *,
        at: datetime,
        user_id: int | None = None,
        role_id: int | None = None,
        present: bool,
        event: NewEvent | None = None,
    ) -> Playlist:
        """Atomically add (present=True) or remove one collaborator user or role. NotFound if not live."""
        ...

    async def soft_delete(
        self, guild_id: int, playlist_id: str, *, at: datetime, event: NewEvent | None = None
    ) -> Playlist:
        """Move a live playlist to the trash (sets deleted_at). NotFound if not live."""
        ...

    async def restore(
        self, guild_id: int, playlist_id: str, *, at: datetime, max_per_guild: int, event: NewEvent | None = None
    ) -> Playlist:
        """Bring a trashed playlist back. NotFound if not in the trash; Conflict if a live playlist now has its
        name; LimitExceeded if the guild is full."""
        ...

    async def purge_deleted(self, *, before: datetime) -> int:
        """Hard-delete playlists trashed before `before`, with their entries. Returns how many playlists."""
        ...

    async def forget_user(self, user_id: int) -> int:
        """In every guild: playlists the user owns get owner 0 ("a former member"), and the user is no longer a
        collaborator. Returns how many playlists changed."""
        ...

    async def delete_guild(self, guild_id: int) -> int:
        """Hard-delete every playlist of the guild (live and trashed) with their entries. Returns how many."""
        ...


class EntryRepository(Protocol):
    """One row/document per track, ordered by order_key. Every write needs the playlist live (NotFound else)."""

    async def append(
        self,
        guild_id: int,
        playlist_id: str,
        entries: Sequence[NewEntry],
        *,
        max_tracks: int,
        at: datetime,
        event: EventFor[builtins.list[Entry]] | None = None,
    ) -> builtins.list[Entry]:
        """Append after every existing entry, in the given order. The slots are reserved atomically with a
        conditional counter update: LimitExceeded if track_count + len(entries) > max_tracks."""
        ...

    async def reinsert(
        self,
        guild_id: int,
        playlist_id: str,
        entries: Sequence[Entry],
        *,
        max_tracks: int,
        at: datetime,
        event: NewEvent | None = None,
    ) -> builtins.list[Entry]:
        """Put back previously removed entries with their ids and order keys (undo). Same limit rule."""
        ...

    async def page(
        self, guild_id: int, playlist_id: str, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[Entry]:
        """Entries in order; offset/limit select a page. [] for another guild's playlist."""
        ...

    async def view(
        self, guild_id: int, playlist_id: str, *, offset: int, limit: int
    ) -> tuple[PlaylistStats, builtins.list[Entry]]:
        """`stats` and one `page`, read together in as few trips as the store allows."""
        ...

    async def entry_at(self, guild_id: int, playlist_id: str, position: int) -> Entry | None:
        """The entry at a 1-based position, or None."""
        ...

    async def get(self, guild_id: int, playlist_id: str, entry_id: str) -> Entry | None: ...

    async def position_of(self, guild_id: int, playlist_id: str, entry_id: str) -> int | None:
        """1-based position of an entry, or None."""
        ...

    async def stats(self, guild_id: int, playlist_id: str) -> PlaylistStats:
        """Totals over every entry, computed by the store (a page view must not load 10,000 entries)."""
        ...

    async def find(
        self, guild_id: int, playlist_id: str, needle: str, *, limit: int = 25
    ) -> builtins.list[tuple[int, Entry]]:
        """(1-based position, entry) for entries whose "artist - title" contains `needle` case-insensitively
        (every entry when `needle` is empty), in playlist order, at most `limit`."""
        ...

    async def find_key(self, guild_id: int, playlist_id: str, norm_key: str) -> tuple[int, Entry] | None:
        """(1-based position, entry) of the first entry with this normalized key, or None: a lookup by key, not a
        text search (what the duplicate warning on add needs, at any playlist size)."""
        ...

    async def duplicates(self, guild_id: int, playlist_id: str) -> builtins.list[Entry]:
        """Entries whose norm_key already occurs earlier in the playlist, in order (what dedupe removes)."""
        ...

    async def remove(
        self,
        guild_id: int,
        playlist_id: str,
        entry_ids: Sequence[str],
        *,
        at: datetime,
        event: EventFor[builtins.list[Entry]] | None = None,
    ) -> builtins.list[Entry]:
        """Remove the entries that still exist; returns exactly those removed (a concurrent remover gets the
        rest). Decrements track_count by that many and bumps revision."""
        ...

    async def move(
        self,
        guild_id: int,
        playlist_id: str,
        entry_id: str,
        to_position: int,
        *,
        at: datetime,
        event: EventFor[Moved] | None = None,
    ) -> Moved:
        """Give the entry a new order key so that it ends at 1-based `to_position` (clamped to the playlist).
        Touches only that entry. NotFound if the entry is gone. Returns the entry and its final position."""
        ...

    async def set_order_key(
        self,
        guild_id: int,
        playlist_id: str,
        entry_id: str,
        order_key: str,
        *,
        at: datetime,
        event: NewEvent | None = None,
    ) -> Entry:
        """Put an entry back at a known order key (undo of a move); if the key was taken meanwhile, the nearest
        free key after it. NotFound if the entry is gone."""
        ...

    async def forget_user(self, user_id: int) -> int:
        """In every guild: entries the user added get added_by 0 ("a former member"). Returns how many."""
        ...


class EventRepository(Protocol):
    async def append(self, event: NewEvent) -> PlaylistEvent:
        """Record an event on its own (changes record theirs through their own write)."""
        ...

    async def list(
        self, guild_id: int, *, playlist_id: str | None = None, actor_id: int | None = None, limit: int = 25
    ) -> builtins.list[PlaylistEvent]:
        """Newest first."""
        ...

    async def last_undoable(
        self, guild_id: int, *, actor_id: int | None = None, playlist_id: str | None = None
    ) -> PlaylistEvent | None:
        """Newest event not yet undone and not itself an undo, optionally by one actor / on one playlist."""
        ...

    async def mark_undone(self, guild_id: int, event_id: str, *, undone: bool = True) -> bool:
        """Conditionally set `undone` (from the opposite value); False if it already was (a concurrent undo won)."""
        ...

    async def forget_user(self, user_id: int) -> int:
        """In every guild: the user's events get actor 0, and entries kept for undo get added_by 0. Returns how
        many events changed."""
        ...

    async def delete_guild(self, guild_id: int) -> int:
        """Delete every event of the guild. Returns how many."""
        ...


class GuildRepository(Protocol):
    async def settings(self, guild_id: int) -> GuildSettings: ...

    async def set_manager_role(self, guild_id: int, role_id: int, *, present: bool) -> GuildSettings: ...

    async def mark_removed(self, guild_id: int, at: datetime | None) -> None:
        """Record when the bot was removed from the guild (None: it is back, nothing is to be deleted)."""
        ...

    async def removed_before(self, before: datetime) -> builtins.list[int]:
        """Guilds the bot was removed from before `before` and not added back to."""
        ...

    async def delete(self, guild_id: int, *, removed_before: datetime) -> bool:
        """Delete the guild's settings if it is still marked removed before `removed_before` (a guild that added
        the bot back meanwhile keeps them). True if deleted."""
        ...

    async def set_timezone(self, guild_id: int, timezone: str | None) -> GuildSettings: ...


class AccountRepository(Protocol):
    async def link(self, account: Account) -> None:
        """Upsert the user's Last.fm link, with `account.mix_consent` (a new link starts without consent)."""
        ...

    async def get(self, user_id: int) -> Account | None: ...

    async def unlink(self, user_id: int) -> bool:
        """Delete the link and its consent."""
        ...

    async def set_consent(self, user_id: int, consent: bool) -> Account | None:
        """Atomically set the blend consent of a linked account; None if the user has no link."""
        ...


class CacheRepository(Protocol):
    async def get(self, key: str, *, now: datetime) -> CachedValue | None:
        """The value unless past expires_at (a stale one is returned: the caller checks fresh_until)."""
        ...

    async def put(
        self, key: str, value: Any, *, now: datetime, fresh_until: datetime, expires_at: datetime
    ) -> None: ...


@dataclass
class IoCounter:
    """What a store did, for tests and benchmarks: `round_trips` (SQLite: calls onto a connection's thread;
    MongoDB: commands sent) and `statements` (SQLite: SQL statements run; MongoDB: commands, same as trips)."""

    round_trips: int = 0
    statements: int = 0

    def reset(self) -> None:
        self.round_trips = self.statements = 0


@dataclass(frozen=True)
class Storage:
    """One store: its repositories plus health. Built by `storage.open_storage(...)`; both adapters fill it."""

    playlists: PlaylistRepository
    entries: EntryRepository
    events: EventRepository
    guilds: GuildRepository
    accounts: AccountRepository
    cache: CacheRepository
    schedules: ScheduleRepository
    rounds: RoundRepository
    shares: ShareRepository
    ping: Callable[[], Awaitable[None]]
    close: Callable[[], Awaitable[None]]
    io: IoCounter = field(default_factory=IoCounter)
