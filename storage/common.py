"""What both adapters share: ids, time normalisation, the user-facing errors and the order-key arithmetic.

Kept driver-free so the SQLite and MongoDB adapters stay two readings of the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pydantic_core import to_jsonable_python

from bot.domain.errors import Conflict, LimitExceeded, NotFound
from bot.domain.models import Entry, EventAction, NewEntry, NewEvent, PlaylistEvent
from bot.domain.ordering import append_key, between
from bot.domain.text import quoted

KEY_RETRIES = 8  # attempts at a fresh order key when a concurrent writer took the one we chose
MAX_KEY = "\U0010ffff"  # above every character: `prefix <= k < prefix + MAX_KEY` selects keys starting with prefix


def new_id() -> str:
    """A new id: an ObjectId's hex string (time-ordered, 24 chars) in both adapters."""
    return str(ObjectId())


def utc(dt: datetime) -> datetime:
    """Aware UTC at millisecond precision (what MongoDB keeps), so both stores give back the same instant.
    A naive datetime is taken to be UTC already."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt.replace(microsecond=dt.microsecond // 1000 * 1000)


def jsonable(value: Any) -> Any:
    """The value as it reads back from JSON (datetimes become ISO strings, tuples lists, keys strings), so
    both stores hand back exactly the same thing."""
    return json.loads(json.dumps(to_jsonable_python(value)))


def event_record(event: NewEvent, event_id: str | None = None) -> PlaylistEvent:
    """The stored form of a new event: an id, JSON-shaped data, UTC time."""
    return PlaylistEvent(
        id=event_id or new_id(),
        **event.model_dump(exclude={"data", "at"}),
        data=jsonable(event.data),
        at=utc(event.at),
    )


def undone_target(event: NewEvent) -> str | None:
    """The id of the event an UNDO event undoes (marked undone in the same write), else None."""
    if event.action is not EventAction.UNDO:
        return None
    target = event.data.get("event_id")
    return str(target) if target is not None else None


def appended(guild_id: int, playlist_id: str, entries: Sequence[NewEntry], first_seq: int) -> list[Entry]:
    """The entries an append writes, numbered from `first_seq` (the first reserved sequence number)."""
    return [
        Entry(
            id=new_id(),
            playlist_id=playlist_id,
            guild_id=guild_id,
            order_key=append_key(first_seq + i),
            track=e.track,
            norm_key=e.norm_key,
            added_by=e.added_by,
            added_at=utc(e.added_at),
        )
        for i, e in enumerate(entries)
    ]


def unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def collaborator_field(user_id: int | None, role_id: int | None) -> tuple[str, int]:
    if (user_id is None) == (role_id is None):
        raise ValueError("give exactly one of user_id or role_id")
    if user_id is not None:
        return "collaborator_user_ids", user_id
    assert role_id is not None
    return "collaborator_role_ids", role_id


def clamp(position: int, count: int) -> int:
    return max(1, min(position, max(count, 1)))


def key_for_gap(position: int, neighbours: Sequence[str]) -> str:
    """The new key for an entry moving to 1-based `position` among the *other* entries, given the keys of
    the others at offsets position-2 and position-1 (`neighbours`, possibly fewer at the end)."""
    if position <= 1:
        return between(None, neighbours[0] if neighbours else None)
    lo = neighbours[0] if neighbours else None
    hi = neighbours[1] if len(neighbours) > 1 else None
    return between(lo, hi)


# -- user-facing errors -------------------------------------------------------------------------------------


def name_taken(name: str) -> Conflict:
    return Conflict(f"A playlist named {quoted(name)} already exists on this server.")


def playlist_missing() -> NotFound:
    return NotFound("That playlist doesn't exist (or is no longer there).")


def trash_missing() -> NotFound:
    return NotFound("That playlist is not in the trash.")


def entry_missing() -> NotFound:
    return NotFound("That track is no longer in the playlist.")


def already_undone() -> Conflict:
    return Conflict("That change was just undone by someone else.")


def playlist_full(max_tracks: int) -> LimitExceeded:
    return LimitExceeded(f"This playlist is full ({max_tracks:,} tracks).")


def guild_full(max_per_guild: int) -> LimitExceeded:
    return LimitExceeded(
        f"This server already has {max_per_guild:,} playlists, the most it can have. Delete one to make room."
    )


UNDO_KEEPS_ENTRIES = (EventAction.REMOVE.value, EventAction.DEDUPE.value)  # events whose data holds whole entries


def forget_in_data(data: dict[str, Any], user_id: int) -> dict[str, Any] | None:
    """An event's undo data with `user_id`'s attribution (entries kept for undo) replaced by 0, or None when
    the data doesn't mention them."""
    entries = data.get("entries")
    if not isinstance(entries, list) or not any(isinstance(e, dict) and e.get("added_by") == user_id for e in entries):
        return None
    scrubbed = [{**e, "added_by": 0} if isinstance(e, dict) and e.get("added_by") == user_id else e for e in entries]
    return {**data, "entries": scrubbed}


def forget_in_collaborator(summary: str, data: dict[str, Any], user_id: int) -> tuple[str, dict[str, Any]] | None:
    """A collaborator change's summary and data with `user_id` replaced by the former-member credit, or None when
    the change is about someone else."""
    if data.get("user_id") != user_id:
        return None
    return summary.replace(f"<@{user_id}>", "a former member"), {**data, "user_id": 0}


def schedule_limit(max_per_guild: int) -> LimitExceeded:
    return LimitExceeded(f"This server already has {max_per_guild} schedules, the most it can have. Remove one first.")


def schedule_missing() -> NotFound:
    return NotFound("There is no such schedule here; `/schedule list` shows them.")
