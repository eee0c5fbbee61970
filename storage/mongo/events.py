"""EventRepository on MongoDB, and the journal that writes a change together with its event.

With transactions (replica set, sharded cluster) the change and its event are one multi-document transaction.
Without (a standalone server) the event is written first, `pending`; the change leaves the event's id on the
playlist document in the same atomic update (`journal`, the last few ids), and the event is then confirmed
(pending cleared). If the change fails, the pending event is deleted; if the confirmation fails, the change
stands and readers repair it: a pending event whose id is on its playlist is confirmed, one without that is
older than PENDING_AGE is dropped (its change never happened), a younger one is left out (still in flight).
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import DESCENDING

from bot.domain.models import EventAction, NewEvent, PlaylistEvent
from bot.domain.ports.storage import EventFor
from storage.common import (
    UNDO_KEEPS_ENTRIES,
    already_undone,
    event_record,
    forget_in_collaborator,
    forget_in_data,
    undone_target,
)
from storage.mongo.db import Doc, MongoDatabase, Session

log = logging.getLogger(__name__)

NEWEST_FIRST = [("at", DESCENDING), ("_id", DESCENDING)]
PENDING_AGE = timedelta(seconds=30)
JOURNAL_LENGTH = 16  # event ids kept on a playlist document: enough for the changes in flight on it


def constant[R](value: R) -> Callable[[], Awaitable[R]]:
    """A `predict` for a result known before the write."""

    async def known() -> R:
        return value

    return known


def event_from_doc(doc: Doc) -> PlaylistEvent:
    doc.pop("pending", None)
    return PlaylistEvent(id=doc.pop("_id"), **doc)


def journal_mark(event_id: str | None) -> Doc:
    """The update part that leaves an event's id on its playlist document (nothing when there is no event)."""
    if event_id is None:
        return {}
    return {"$push": {"journal": {"$each": [event_id], "$slice": -JOURNAL_LENGTH}}}


def _doc(out: PlaylistEvent, *, pending: bool) -> Doc:
    return {"_id": out.id, **out.model_dump(exclude={"id"}), "action": out.action.value, "pending": pending}


type Change[R] = Callable[[Session, str | None], Awaitable[R]]
"""A change: given the session (None outside a transaction) and the id to leave in the playlist's journal."""


class Journal:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._events = db.events

    async def write[R](
        self,
        change: Change[R],
        event: EventFor[R] | NewEvent | None,
        *,
        predict: Callable[[], Awaitable[R]] | None = None,
    ) -> R:
        """Run `change` and record its event atomically (see the module). `predict`: what the change is expected
        to return, asked only without transactions, to write the pending event up front when the event depends
        on the result."""
        build: EventFor[R] | None = (lambda _r: event) if isinstance(event, NewEvent) else event
        if build is None:
            return await change(None, None)
        if self._db.transactions:
            async with self._db.client.start_session() as session:

                async def run(s: Any) -> R:
                    result = await change(s, None)
                    await self._insert(build(result), s, pending=False)
                    return result

                return await session.with_transaction(run)
        planned = event if isinstance(event, NewEvent) else (build(await predict()) if predict is not None else None)
        event_id = await self._insert(planned, None, pending=True) if planned is not None else None
        try:
            result = await change(None, event_id)
        except BaseException:
            if planned is not None:
                await self._abandon(event_id, planned)
            raise
        final = build(result)
        try:
            if event_id is None:
                await self._insert(final, None, pending=False)
            elif final is None:
                await self._events.delete_one({"_id": event_id})
            else:
                fields = _doc(event_record(final, event_id), pending=False)
                await self._events.update_one({"_id": event_id}, {"$set": {**fields, "_id": event_id}})
        except Exception:  # the change stands: readers confirm the event from the playlist's journal
            log.warning("event %s of a change that happened is still pending", event_id, exc_info=True)
        return result

    async def _insert(self, event: NewEvent | None, session: Session, *, pending: bool) -> str | None:
        if event is None:
            return None
        target = undone_target(event)
        if target is not None and not await _set_undone(self._events, event.guild_id, target, True, session):
            raise already_undone()
        out = event_record(event)
        try:
            await self._events.insert_one(_doc(out, pending=pending), session=session)
        except BaseException:
            if target is not None and session is None:
                await _set_undone(self._events, event.guild_id, target, False, None)
            raise
        return out.id

    async def _abandon(self, event_id: str | None, event: NewEvent) -> None:
        """The change failed (and undid its own first steps): its mark on the playlist and the pending event go
        (readers drop the event anyway if this fails too)."""
        try:
            await self._db.playlists.update_one({"_id": event.playlist_id}, {"$pull": {"journal": event_id}})
            await self._events.delete_one({"_id": event_id, "pending": True})
            if (target := undone_target(event)) is not None:
                await _set_undone(self._events, event.guild_id, target, False, None)
        except Exception:
            log.warning("pending event %s of a failed change is left for readers to drop", event_id, exc_info=True)


async def _set_undone(events: Any, guild_id: int, event_id: str, undone: bool, session: Session) -> bool:
    result = await events.update_one(
        {"_id": event_id, "guild_id": guild_id, "undone": not undone}, {"$set": {"undone": undone}}, session=session
    )
    return bool(result.modified_count == 1)


class MongoEvents:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._events = db.events

    async def append(self, event: NewEvent) -> PlaylistEvent:
        out = event_record(event)
        await self._events.insert_one(_doc(out, pending=False))
        return out

    async def list(
        self, guild_id: int, *, playlist_id: str | None = None, actor_id: int | None = None, limit: int = 25
    ) -> builtins.list[PlaylistEvent]:
        query = _where(guild_id, actor_id, playlist_id)
        docs = await self._events.find(query).sort(NEWEST_FIRST).limit(limit).to_list()
        kept = await self._repaired(docs)
        if len(kept) < len(docs):  # some were pending changes that never happened: read again, settled now
            docs = (
                await self._events.find({**query, "pending": {"$ne": True}}).sort(NEWEST_FIRST).limit(limit).to_list()
            )
            kept = [event_from_doc(d) for d in docs]
        return kept

    async def last_undoable(
        self, guild_id: int, *, actor_id: int | None = None, playlist_id: str | None = None
    ) -> PlaylistEvent | None:
        query = {
            **_where(guild_id, actor_id, playlist_id),
            "undone": False,
            "action": {"$ne": EventAction.UNDO.value},
        }
        while True:
            doc = await self._events.find_one(query, sort=NEWEST_FIRST)
            if doc is None:
                return None
            kept = await self._repaired([doc])
            if kept:
                return kept[0]
            query["_id"] = {"$nin": [*query.get("_id", {}).get("$nin", []), doc["_id"]]}

    async def mark_undone(self, guild_id: int, event_id: str, *, undone: bool = True) -> bool:
        return await _set_undone(self._events, guild_id, event_id, undone, None)

    async def _repaired(self, docs: builtins.list[Doc]) -> builtins.list[PlaylistEvent]:
        """The events, with pending ones settled: confirmed if their change happened, else left out (and
        deleted once older than PENDING_AGE)."""
        out: builtins.list[PlaylistEvent] = []
        for doc in docs:
            if doc.get("pending"):
                done = await self._db.playlists.find_one({"_id": doc["playlist_id"], "journal": doc["_id"]}, {"_id": 1})
                if done is None:
                    if datetime.now(UTC) - ObjectId(doc["_id"]).generation_time > PENDING_AGE:
                        await self._events.delete_one({"_id": doc["_id"], "pending": True})
                    continue
                await self._events.update_one({"_id": doc["_id"]}, {"$set": {"pending": False}})
            out.append(event_from_doc(doc))
        return out

    async def forget_user(self, user_id: int) -> int:
        changed = await self._events.update_many({"actor_id": user_id}, {"$set": {"actor_id": 0}})
        kept = {"action": {"$in": list(UNDO_KEEPS_ENTRIES)}, "data.entries.added_by": user_id}
        for doc in await self._events.find(kept, {"data": True}).to_list():
            scrubbed = forget_in_data(doc["data"], user_id)
            if scrubbed is not None:
                await self._events.update_one({"_id": doc["_id"]}, {"$set": {"data": scrubbed}})
        about = {"action": EventAction.COLLABORATORS.value, "data.user_id": user_id}
        for doc in await self._events.find(about, {"summary": True, "data": True}).to_list():
            forgotten = forget_in_collaborator(doc["summary"], doc["data"], user_id)
            if forgotten is not None:
                summary, data = forgotten
                await self._events.update_one({"_id": doc["_id"]}, {"$set": {"summary": summary, "data": data}})
        return int(changed.modified_count)

    async def delete_guild(self, guild_id: int) -> int:
        return int((await self._events.delete_many({"guild_id": guild_id})).deleted_count)


def _where(guild_id: int, actor_id: int | None, playlist_id: str | None) -> Doc:
    query: Doc = {"guild_id": guild_id}
    if playlist_id is not None:
        query["playlist_id"] = playlist_id
    if actor_id is not None:
        query["actor_id"] = actor_id
    return query
