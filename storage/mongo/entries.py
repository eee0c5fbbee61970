"""EntryRepository on MongoDB: one document per track, ordered by order_key. Each write goes with its event
through the journal; aggregate reads run in the server (a $group for totals) or scan only keys and names."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.errors import Conflict
from bot.domain.models import Entry, NewEntry, NewEvent
from bot.domain.ordering import between
from bot.domain.ports.storage import EventFor, Moved, PlaylistStats
from storage.common import (
    KEY_RETRIES,
    appended,
    clamp,
    entry_missing,
    key_for_gap,
    playlist_full,
    playlist_missing,
    unique,
)
from storage.mongo.codec import entry_doc, entry_from_doc
from storage.mongo.db import Doc, MongoDatabase, Session
from storage.mongo.events import Journal, constant
from storage.mongo.playlists import touch

BY_KEY = [("order_key", ASCENDING)]
DURATION = {"$ifNull": ["$track.duration_s", 0]}


def _busy() -> Conflict:
    return Conflict("That playlist is being changed by someone else right now. Please try again.")


class MongoEntries:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._entries = db.entries
        self._journal = Journal(db)

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
        if not entries:
            return []
        n = len(entries)
        planned = appended(guild_id, playlist_id, entries, 1)  # ids now, order keys once the slots are known

        async def change(session: Session, mark: str | None) -> builtins.list[Entry]:
            inc = {"$inc": {"track_count": n, "seq": n}}
            doc = await touch(
                self._db,
                guild_id,
                playlist_id,
                at,
                inc,
                session=session,
                mark=mark,
                room=(n, max_tracks),
                fields={"seq": True},
            )
            if doc is None:
                raise await self._refusal(guild_id, playlist_id, max_tracks, session)
            first = doc["seq"] - n + 1
            out = [
                e.model_copy(update={"order_key": a.order_key})
                for e, a in zip(planned, appended(guild_id, playlist_id, entries, first), strict=True)
            ]
            try:
                await self._entries.insert_many([entry_doc(e) for e in out], session=session)
            except BaseException:
                if session is None:
                    # Compensate the reservation: take out whatever part of this batch got in, then give all n
                    # slots back (the sequence numbers stay used; gaps in order keys are harmless).
                    await self._entries.delete_many({"_id": {"$in": [e.id for e in out]}})
                    await self._give_back(playlist_id, n)
                raise
            return out

        return await self._journal.write(change, event, predict=constant(planned))

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
        if not entries:
            return []
        n = len(entries)

        async def change(session: Session, mark: str | None) -> builtins.list[Entry]:
            inc = {"$inc": {"track_count": n}}
            if (
                await touch(self._db, guild_id, playlist_id, at, inc, session=session, mark=mark, room=(n, max_tracks))
                is None
            ):
                raise await self._refusal(guild_id, playlist_id, max_tracks, session)
            out: builtins.list[Entry] = []
            done = False
            try:
                for e in entries:
                    if await self._entries.find_one({"_id": e.id}, {"_id": True}, session=session):
                        continue  # already back (a repeated undo): keep it once
                    key = await self._free_key(playlist_id, e.order_key, session)
                    entry = e.model_copy(update={"playlist_id": playlist_id, "guild_id": guild_id, "order_key": key})
                    try:
                        await self._entries.insert_one(entry_doc(entry), session=session)
                    except DuplicateKeyError as err:
                        raise _busy() from err
                    out.append(entry)
                done = True
            finally:
                # Give back the slots of entries not inserted: those already there, or (outside a transaction,
                # where nothing rolls the reservation back) every one not written before an error.
                if len(out) < n and (done or session is None):
                    await self._give_back(playlist_id, n - len(out), session)
            return sorted(out, key=lambda e: e.order_key)

        return await self._journal.write(change, event)

    async def page(
        self, guild_id: int, playlist_id: str, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[Entry]:
        if limit == 0:
            return []
        cursor = self._entries.find({"playlist_id": playlist_id, "guild_id": guild_id}).sort(BY_KEY)
        return [entry_from_doc(d) async for d in cursor.skip(max(offset, 0)).limit(limit or 0)]

    async def view(
        self, guild_id: int, playlist_id: str, *, offset: int, limit: int
    ) -> tuple[PlaylistStats, builtins.list[Entry]]:
        """Totals and one page."""
        return await self.stats(guild_id, playlist_id), await self.page(
            guild_id, playlist_id, offset=offset, limit=limit
        )

    async def entry_at(self, guild_id: int, playlist_id: str, position: int) -> Entry | None:
        if position < 1:
            return None
        page = await self.page(guild_id, playlist_id, offset=position - 1, limit=1)
        return page[0] if page else None

    async def get(self, guild_id: int, playlist_id: str, entry_id: str) -> Entry | None:
        doc = await self._entries.find_one({"_id": entry_id, "playlist_id": playlist_id, "guild_id": guild_id})
        return None if doc is None else entry_from_doc(doc)

    async def position_of(self, guild_id: int, playlist_id: str, entry_id: str) -> int | None:
        entry = await self.get(guild_id, playlist_id, entry_id)
        if entry is None:
            return None
        return await self._entries.count_documents({"playlist_id": playlist_id, "order_key": {"$lte": entry.order_key}})

    async def stats(self, guild_id: int, playlist_id: str) -> PlaylistStats:
        pipeline: list[dict[str, Any]] = [
            {"$match": {"playlist_id": playlist_id, "guild_id": guild_id}},
            {
                "$group": {
                    "_id": "$added_by",
                    "n": {"$sum": 1},
                    "seconds": {"$sum": DURATION},
                    "unknown": {"$sum": {"$cond": [{"$gt": [DURATION, 0]}, 0, 1]}},
                }
            },
        ]
        groups = [g async for g in await self._entries.aggregate(pipeline)]
        people = sorted(((int(g["_id"]), int(g["n"])) for g in groups), key=lambda p: (-p[1], p[0]))
        return PlaylistStats(
            total=sum(g["n"] for g in groups),
            total_duration_s=sum(g["seconds"] for g in groups),
            unknown_durations=sum(g["unknown"] for g in groups),
            contributors=tuple(people),
        )

    async def find(
        self, guild_id: int, playlist_id: str, needle: str, *, limit: int = 25
    ) -> builtins.list[tuple[int, Entry]]:
        wanted = needle.casefold()
        positions: dict[str, int] = {}
        scope = {"playlist_id": playlist_id, "guild_id": guild_id}
        cursor = self._entries.find(scope, {"track.artist": True, "track.title": True}).sort(BY_KEY)
        position = 0
        async for doc in cursor:
            position += 1
            if wanted in f"{doc['track']['artist']} - {doc['track']['title']}".casefold():
                positions[doc["_id"]] = position
                if len(positions) == limit:
                    break
        if not positions:
            return []
        docs = [d async for d in self._entries.find({"_id": {"$in": list(positions)}, "guild_id": guild_id})]
        return sorted(((positions[d["_id"]], entry_from_doc(d)) for d in docs), key=lambda pair: pair[0])

    async def find_key(self, guild_id: int, playlist_id: str, norm_key: str) -> tuple[int, Entry] | None:
        scope = {"playlist_id": playlist_id, "guild_id": guild_id}
        doc = await self._entries.find_one({**scope, "norm_key": norm_key}, sort=BY_KEY)
        if doc is None:
            return None
        entry = entry_from_doc(doc)
        position = await self._entries.count_documents({**scope, "order_key": {"$lte": entry.order_key}})
        return position, entry

    async def duplicates(self, guild_id: int, playlist_id: str) -> builtins.list[Entry]:
        seen: set[str] = set()
        repeats: list[str] = []
        scope = {"playlist_id": playlist_id, "guild_id": guild_id}
        async for doc in self._entries.find(scope, {"norm_key": True}).sort(BY_KEY):
            if doc["norm_key"] in seen:
                repeats.append(doc["_id"])
            seen.add(doc["norm_key"])
        if not repeats:
            return []
        found = [entry_from_doc(d) async for d in self._entries.find({**scope, "_id": {"$in": repeats}})]
        return sorted(found, key=lambda e: e.order_key)

    async def remove(
        self,
        guild_id: int,
        playlist_id: str,
        entry_ids: Sequence[str],
        *,
        at: datetime,
        event: EventFor[builtins.list[Entry]] | None = None,
    ) -> builtins.list[Entry]:
        ids = unique(entry_ids)
        if not ids:
            return []
        scope = {"playlist_id": playlist_id, "guild_id": guild_id}

        async def change(session: Session, mark: str | None) -> builtins.list[Entry]:
            if (
                await touch(self._db, guild_id, playlist_id, at, {}, session=session, mark=mark, fields={"_id": True})
                is None
            ):
                raise playlist_missing()
            removed: builtins.list[Entry] = []
            for i in (
                ids
            ):  # find_one_and_delete hands each document to exactly one caller: a concurrent remover gets the rest
                doc = await self._entries.find_one_and_delete({"_id": i, **scope}, session=session)
                if doc is not None:
                    removed.append(entry_from_doc(doc))
            if removed:
                await self._give_back(playlist_id, len(removed), session)
            return sorted(removed, key=lambda e: e.order_key)

        async def predict() -> builtins.list[Entry]:
            docs = await self._entries.find({"_id": {"$in": ids}, **scope}).sort(BY_KEY).to_list()
            return [entry_from_doc(d) for d in docs]

        return await self._journal.write(change, event, predict=predict)

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
        async def change(session: Session, mark: str | None) -> Moved:
            count = await self._touch_live(guild_id, playlist_id, at, session, mark)
            entry = await self._entry(guild_id, playlist_id, entry_id, session)
            position = clamp(to_position, count)
            for _ in range(KEY_RETRIES if session is None else 1):
                current = {"playlist_id": playlist_id, "order_key": {"$lte": entry.order_key}}
                if await self._entries.count_documents(current, session=session) == position:
                    return Moved(entry, position)
                others = {"playlist_id": playlist_id, "_id": {"$ne": entry_id}}
                cursor = self._entries.find(others, {"order_key": True}, session=session).sort(BY_KEY)
                neighbours = [d["order_key"] async for d in cursor.skip(max(position - 2, 0)).limit(2)]
                if not neighbours and position > 1:  # fewer rows than the counter says (an append in flight)
                    last = await self._entries.find_one(
                        others, {"order_key": True}, sort=[("order_key", DESCENDING)], session=session
                    )
                    neighbours = [last["order_key"]] if last else []
                try:
                    return Moved(await self._rekey(entry, key_for_gap(position, neighbours), session), position)
                except Conflict:
                    entry = await self._entry(guild_id, playlist_id, entry_id, session)  # look again
            raise _busy()

        async def predict() -> Moved:
            entry = await self._entry(guild_id, playlist_id, entry_id, None)
            playlist = await self._db.playlists.find_one({"_id": playlist_id}, {"track_count": True})
            return Moved(entry, clamp(to_position, playlist["track_count"] if playlist else 1))

        return await self._journal.write(change, event, predict=predict)

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
        async def change(session: Session, mark: str | None) -> Entry:
            await self._touch_live(guild_id, playlist_id, at, session, mark)
            entry = await self._entry(guild_id, playlist_id, entry_id, session)
            if entry.order_key == order_key:
                return entry
            return await self._rekey(entry, await self._free_key(playlist_id, order_key, session), session)

        return await self._journal.write(change, event)

    # -- helpers --------------------------------------------------------------------------------------------

    async def _touch_live(
        self, guild_id: int, playlist_id: str, at: datetime, session: Session, mark: str | None
    ) -> int:
        doc = await touch(
            self._db, guild_id, playlist_id, at, {}, session=session, mark=mark, fields={"track_count": True}
        )
        if doc is None:
            raise playlist_missing()
        return int(doc["track_count"])

    async def _entry(self, guild_id: int, playlist_id: str, entry_id: str, session: Session) -> Entry:
        doc = await self._entries.find_one(
            {"_id": entry_id, "playlist_id": playlist_id, "guild_id": guild_id}, session=session
        )
        if doc is None:
            raise entry_missing()
        return entry_from_doc(doc)

    async def _refusal(self, guild_id: int, playlist_id: str, max_tracks: int, session: Session) -> Exception:
        """Why a guarded slot reservation matched nothing: the playlist is gone, or it is full."""
        live = await self._db.playlists.find_one(
            {"_id": playlist_id, "guild_id": guild_id, "deleted_at": None}, {"_id": True}, session=session
        )
        return playlist_full(max_tracks) if live else playlist_missing()

    async def _give_back(self, playlist_id: str, n: int, session: Session = None) -> None:
        await self._db.playlists.update_one({"_id": playlist_id}, {"$inc": {"track_count": -n}}, session=session)

    async def _free_key(self, playlist_id: str, key: str, session: Session) -> str:
        """`key` if no entry holds it, else the nearest free key after it."""
        while await self._entries.find_one(
            {"playlist_id": playlist_id, "order_key": key}, {"_id": True}, session=session
        ):
            nxt = await self._entries.find_one(
                {"playlist_id": playlist_id, "order_key": {"$gt": key}},
                {"order_key": True},
                sort=BY_KEY,
                session=session,
            )
            key = between(key, nxt["order_key"] if nxt else None)
        return key

    async def _rekey(self, entry: Entry, key: str, session: Session) -> Entry:
        try:
            doc = await self._entries.find_one_and_update(
                {"_id": entry.id, "playlist_id": entry.playlist_id},
                {"$set": {"order_key": key}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
        except DuplicateKeyError as e:
            raise _busy() from e  # a concurrent move took that key
        if doc is None:
            raise entry_missing()
        return entry_from_doc(doc)

    async def forget_user(self, user_id: int) -> int:
        return int((await self._entries.update_many({"added_by": user_id}, {"$set": {"added_by": 0}})).modified_count)


__all__ = ["Doc", "MongoEntries"]
