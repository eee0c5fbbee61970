"""Domain models: plain pydantic values, no Discord, no storage driver types."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlaylistMode(StrEnum):
    OPEN = "open"  # any member edits
    COLLABORATIVE = "collaborative"  # owner, collaborator users and roles, managers
    LOCKED = "locked"  # owner and managers only


class Playlist(Frozen):
    id: str
    guild_id: int
    name: str
    name_key: str  # case-folded, whitespace-collapsed name: unique per guild among live playlists
    description: str = ""
    owner_id: int
    mode: PlaylistMode = PlaylistMode.OPEN
    collaborator_user_ids: tuple[int, ...] = ()
    collaborator_role_ids: tuple[int, ...] = ()
    track_count: int = 0
    revision: int = 0
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class NewPlaylist(Frozen):
    guild_id: int
    name: str
    name_key: str
    description: str = ""
    owner_id: int
    mode: PlaylistMode = PlaylistMode.OPEN
    created_at: datetime


class Track(Frozen):
    """What a playlist entry points at; enriched from Last.fm when available."""

    artist: str
    title: str
    album: str | None = None
    duration_s: int | None = None
    mbid: str | None = None
    url: str | None = None


class NewEntry(Frozen):
    track: Track
    norm_key: str  # normalized "artist - title" used by dedupe
    added_by: int
    added_at: datetime


class Entry(Frozen):
    """One track in one playlist, ordered by `order_key` (lexicographic, fractional)."""

    id: str
    playlist_id: str
    guild_id: int
    order_key: str
    track: Track
    norm_key: str
    added_by: int
    added_at: datetime


class EventAction(StrEnum):
    CREATE = "create"
    RENAME = "rename"
    DESCRIBE = "describe"
    MODE = "mode"
    COLLABORATORS = "collaborators"
    DELETE = "delete"
    RESTORE = "restore"
    ADD = "add"
    REMOVE = "remove"
    MOVE = "move"
    DEDUPE = "dedupe"
    SHARE = "share"  # the public page turned on (data["on"]=True) or off
    UNDO = "undo"


class PlaylistEvent(Frozen):
    """Append-only audit record. `data` holds what is needed to undo it."""

    id: str
    guild_id: int
    playlist_id: str
    actor_id: int
    action: EventAction
    summary: str
    data: dict[str, Any] = Field(default_factory=dict)
    at: datetime
    undone: bool = False


class NewEvent(Frozen):
    guild_id: int
    playlist_id: str
    actor_id: int
    action: EventAction
    summary: str
    data: dict[str, Any] = Field(default_factory=dict)
    at: datetime


class Account(Frozen):
    user_id: int
    lastfm_username: str
    linked_at: datetime
    mix_consent: bool = False  # opted in to having their listening used in server blends
