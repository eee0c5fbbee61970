"""PlaylistRepository on MongoDB. Every write that can race is one guarded single-document operation; the
two-document changes (reserve slots on a counter, then write entries) compensate the counter on failure."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from itertools import batched
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.errors import Conflict
from bot.domain.models import Entry, NewEntry, NewPlaylist, Playlist, PlaylistMode
from bot.domain.ordering import append_key, between
from bot.domain.ports.storage import PlaylistStats
from storage.common import (
    KEY_RETRIES,
    MAX_KEY,
    clamp,
    collaborator_field,
    entry_missing,
    guild_full,
    key_for_gap,
    name_taken,
    new_id,
    playlist_full,
    playlist_missing,
    trash_missing,
    unique,
    utc,
)
from storage.mongo import reads
from storage.mongo.db import Doc, MongoDatabase
from storage.mongo.docs import entry_doc, entry_from_doc, playlist_from_doc

AFTER = ReturnDocument.AFTER
HIDDEN = {"seq": False}  # the append sequence counter is the store's business, not the model's
BY_KEY = [("order_key", ASCENDING)]
REMOVE_BATCH = 64


def _busy() -> Conflict:
    return Conflict("That playlist is being changed by someone else right now. Please try again.")


class MongoPlaylists:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._playlists = db.playlists
        self._entries = db.entries

    # -- playlists ------------------------------------------------------------------------------------------

    async def create(self, new: NewPlaylist, *, max_per_guild: int) -> Playlist:
        at = utc(new.created_at)
        doc: Doc = {
            "_id": new_id(),
            **new.model_dump(exclude={"created_at"}),
            "mode": new.mode.value,
            "collaborator_user_ids": [],
            "collaborator_role_ids": [],
            "track_count": 0,
            "seq": 0,
            "revision": 0,
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
        }
        await self._reserve_room(new.guild_id, max_per_guild)
        try:
            await self._playlists.insert_one(doc)
        except BaseException as e:
            await self._release_room(new.guild_id)  # the slot was reserved for a playlist that did not appear
            if isinstance(e, DuplicateKeyError):
                raise name_taken(new.name) from e
            raise
        doc.pop("seq")
        return playlist_from_doc(doc)

    async def get(self, guild_id: int, playlist_id: str) -> Playlist | None:
        doc = await self._playlists.find_one({"_id": playlist_id, "guild_id": guild_id}, HIDDEN)
        return None if doc is None else playlist_from_doc(doc)

    async def get_by_name(self, guild_id: int, name_key: str, *, deleted: bool = False) -> Playlist | None:
        trash = {"$ne": None} if deleted else None
        sort = [("deleted_at", -1), ("_id", -1)]
        doc = await self._playlists.find_one(
            {"guild_id": guild_id, "name_key": name_key, "deleted_at": trash}, HIDDEN, sort=sort
        )
        return None if doc is None else playlist_from_doc(doc)

    async def list(
        self, guild_id: int, *, deleted: bool = False, prefix: str = "", limit: int = 1000
    ) -> list[Playlist]:
        query = {
            "guild_id": guild_id,
            "deleted_at": {"$ne": None} if deleted else None,
            "name_key": {"$gte": prefix, "$lt": prefix + MAX_KEY},
        }
        cursor = self._playlists.find(query, HIDDEN).sort([("name_key", ASCENDING), ("_id", ASCENDING)]).limit(limit)
        return [playlist_from_doc(d) async for d in cursor]

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
    ) -> Playlist:
        changes = {"name": name, "name_key": name_key, "description": description, "mode": mode and mode.value}
        sets = {field: value for field, value in changes.items() if value is not None}
        try:
            doc = await self._touch(guild_id, playlist_id, at, {"$set": sets})
        except DuplicateKeyError as e:
            raise name_taken(name or name_key or "") from e
        if doc is None:
            raise playlist_missing()
        return playlist_from_doc(doc)

    async def set_collaborator(
        self,
        guild_id: int,
        playlist_id: str,
        *,
        at: datetime,
        user_id: int | None = None,
        role_id: int | None = None,
        present: bool,
    ) -> Playlist:
        field, value = collaborator_field(user_id, role_id)
        doc = await self._touch(guild_id, playlist_id, at, {"$addToSet" if present else "$pull": {field: value}})
        if doc is None:
            raise playlist_missing()
        return playlist_from_doc(doc)

    async def soft_delete(self, guild_id: int, playlist_id: str, *, at: datetime) -> Playlist:
        doc = await self._touch(guild_id, playlist_id, at, {"$set": {"deleted_at": utc(at)}})
        if doc is None:
            raise playlist_missing()
        await self._release_room(guild_id)
        return playlist_from_doc(doc)

    async def restore(self, guild_id: int, playlist_id: str, *, at: datetime, max_per_guild: int) -> Playlist:
        trashed = {"_id": playlist_id, "guild_id": guild_id, "deleted_at": {"$ne": None}}
        found = await self._playlists.find_one(trashed, {"name": True})
        if found is None:
            raise trash_missing()
        await self._reserve_room(guild_id, max_per_guild)
        try:
            doc = await self._playlists.find_one_and_update(
                trashed,
                {"$set": {"deleted_at": None, "updated_at": utc(at)}, "$inc": {"revision": 1}},
                HIDDEN,
                return_document=AFTER,
            )
        except BaseException as e:
            await self._release_room(guild_id)  # the slot was for a playlist that stayed in the trash
            if isinstance(e, DuplicateKeyError):
                raise name_taken(found["name"]) from e
            raise
        if doc is None:  # restored or purged by someone else in between
            await self._release_room(guild_id)
            raise trash_missing()
        return playlist_from_doc(doc)

    async def purge_deleted(self, *, before: datetime) -> int:
        old = {"deleted_at": {"$ne": None, "$lt": utc(before)}}
        purged = 0
        for doc in await self._playlists.find(old, {"_id": True}).to_list():
            # The playlist first (guarded, so a concurrent restore wins), then its entries: a crash in between
            # leaves only unreachable entries behind, never a playlist without its tracks.
            if (await self._playlists.delete_one({"_id": doc["_id"], **old})).deleted_count:
                await self._entries.delete_many({"playlist_id": doc["_id"]})
                purged += 1
        return purged

    # -- entries --------------------------------------------------------------------------------------------

    async def append(
        self, guild_id: int, playlist_id: str, entries: Sequence[NewEntry], *, max_tracks: int, at: datetime
    ) -> builtins.list[Entry]:
        if not entries:
            return []
        n = len(entries)
        doc = await self._touch(
            guild_id,
            playlist_id,
            at,
            {"$inc": {"track_count": n, "seq": n}},
            room=(n, max_tracks),
            fields={"seq": True},
        )
        if doc is None:
            raise await self._refusal(guild_id, playlist_id, max_tracks)
        first = doc["seq"] - n + 1
        out = [
            Entry(
                id=new_id(),
                playlist_id=playlist_id,
                guild_id=guild_id,
                order_key=append_key(first + i),
                track=e.track,
                norm_key=e.norm_key,
                added_by=e.added_by,
                added_at=utc(e.added_at),
            )
            for i, e in enumerate(entries)
        ]
        try:
            await self._entries.insert_many([entry_doc(e) for e in out])
        except BaseException:
            # Compensate the reservation: take out whatever part of this batch got in, then give all n slots
            # back (the sequence numbers stay used; gaps in order keys are harmless).
            await self._entries.delete_many({"_id": {"$in": [e.id for e in out]}})
            await self._give_back(playlist_id, n)
            raise
        return out

    async def reinsert(
        self, guild_id: int, playlist_id: str, entries: Sequence[Entry], *, max_tracks: int, at: datetime
    ) -> builtins.list[Entry]:
        if not entries:
            return []
        n = len(entries)
        if await self._touch(guild_id, playlist_id, at, {"$inc": {"track_count": n}}, room=(n, max_tracks)) is None:
            raise await self._refusal(guild_id, playlist_id, max_tracks)
        out: builtins.list[Entry] = []
        try:
            for e in entries:
                entry = e.model_copy(update={"playlist_id": playlist_id, "guild_id": guild_id})
                for _ in range(KEY_RETRIES):
                    try:
                        await self._entries.insert_one(entry_doc(entry))
                        out.append(entry)
                        break
                    except DuplicateKeyError:
                        if await self._entries.find_one({"_id": entry.id}, {"_id": True}):
                            break  # already back (a repeated undo): keep it once
                        entry = entry.model_copy(
                            update={"order_key": await self._key_after(playlist_id, entry.order_key)}
                        )
                else:
                    raise _busy()
        finally:
            if len(out) < n:  # give back the slots of entries not inserted (already there, or an error)
                await self._give_back(playlist_id, n - len(out))
        return sorted(out, key=lambda e: e.order_key)

    async def entries(
        self, guild_id: int, playlist_id: str, *, offset: int = 0, limit: int | None = None
    ) -> builtins.list[Entry]:
        cursor = (
            self._entries.find({"playlist_id": playlist_id, "guild_id": guild_id}).sort(BY_KEY).skip(max(offset, 0))
        )
        return [entry_from_doc(d) async for d in cursor.limit(limit or 0)] if limit != 0 else []

    async def entry_at(self, guild_id: int, playlist_id: str, position: int) -> Entry | None:
        if position < 1:
            return None
        page = await self.entries(guild_id, playlist_id, offset=position - 1, limit=1)
        return page[0] if page else None

    async def get_entry(self, guild_id: int, playlist_id: str, entry_id: str) -> Entry | None:
        doc = await self._entries.find_one({"_id": entry_id, "playlist_id": playlist_id, "guild_id": guild_id})
        return None if doc is None else entry_from_doc(doc)

    async def position_of(self, guild_id: int, playlist_id: str, entry_id: str) -> int | None:
        entry = await self.get_entry(guild_id, playlist_id, entry_id)
        if entry is None:
            return None
        return await self._entries.count_documents({"playlist_id": playlist_id, "order_key": {"$lte": entry.order_key}})

    async def stats(self, guild_id: int, playlist_id: str) -> PlaylistStats:
        return await reads.stats(self._db, guild_id, playlist_id)

    async def find_entries(
        self, guild_id: int, playlist_id: str, needle: str, *, limit: int = 25
    ) -> builtins.list[tuple[int, Entry]]:
        return await reads.find_entries(self._db, guild_id, playlist_id, needle, limit=limit)

    async def duplicates(self, guild_id: int, playlist_id: str) -> builtins.list[Entry]:
        return await reads.duplicates(self._db, guild_id, playlist_id)

    async def remove(
        self, guild_id: int, playlist_id: str, entry_ids: Sequence[str], *, at: datetime
    ) -> builtins.list[Entry]:
        removed: builtins.list[Entry] = []
        for chunk in batched(unique(entry_ids), REMOVE_BATCH, strict=False):
            # find_one_and_delete hands each document to exactly one caller: a concurrent remover gets the rest.
            docs = await asyncio.gather(
                *(
                    self._entries.find_one_and_delete({"_id": i, "playlist_id": playlist_id, "guild_id": guild_id})
                    for i in chunk
                )
            )
            removed += [entry_from_doc(d) for d in docs if d is not None]
        if removed:
            await self._playlists.update_one(
                {"_id": playlist_id, "guild_id": guild_id},
                {"$inc": {"track_count": -len(removed), "revision": 1}, "$set": {"updated_at": utc(at)}},
            )
        return sorted(removed, key=lambda e: e.order_key)

    async def move(self, guild_id: int, playlist_id: str, entry_id: str, to_position: int, *, at: datetime) -> Entry:
        count = await self._touch_live(guild_id, playlist_id, at)
        for _ in range(KEY_RETRIES):
            entry = await self.get_entry(guild_id, playlist_id, entry_id)
            if entry is None:
                raise entry_missing()
            position = clamp(to_position, count)
            if (
                await self._entries.count_documents(
                    {"playlist_id": playlist_id, "order_key": {"$lte": entry.order_key}}
                )
                == position
            ):
                return entry
            others = {"playlist_id": playlist_id, "_id": {"$ne": entry_id}}
            cursor = self._entries.find(others, {"order_key": True}).sort(BY_KEY).skip(max(position - 2, 0)).limit(2)
            neighbours = [d["order_key"] async for d in cursor]
            if not neighbours and position > 1:  # fewer rows than the counter says (an append in flight): go last
                last = await self._entries.find_one(others, {"order_key": True}, sort=[("order_key", -1)])
                neighbours = [last["order_key"]] if last else []
            try:
                return await self._rekey(guild_id, playlist_id, entry_id, key_for_gap(position, neighbours))
            except DuplicateKeyError:
                continue  # a concurrent move took that key: look at the neighbours again
        raise _busy()

    async def set_order_key(
        self, guild_id: int, playlist_id: str, entry_id: str, order_key: str, *, at: datetime
    ) -> Entry:
        await self._touch_live(guild_id, playlist_id, at)
        entry = await self.get_entry(guild_id, playlist_id, entry_id)
        if entry is None:
            raise entry_missing()
        if entry.order_key == order_key:
            return entry
        key = order_key
        for _ in range(KEY_RETRIES):
            try:
                return await self._rekey(guild_id, playlist_id, entry_id, key)
            except DuplicateKeyError:
                key = await self._key_after(playlist_id, key)  # taken meanwhile: the nearest free key after it
        raise _busy()

    # -- helpers --------------------------------------------------------------------------------------------

    async def _touch(
        self,
        guild_id: int,
        playlist_id: str,
        at: datetime,
        change: Doc,
        *,
        room: tuple[int, int] | None = None,
        fields: Doc | None = None,
    ) -> Doc | None:
        """Apply `change` to the live playlist and bump its revision, atomically; with room=(n, max), only if
        n more tracks fit. None when nothing matched."""
        query: Doc = {"_id": playlist_id, "guild_id": guild_id, "deleted_at": None}
        if room is not None:
            query["track_count"] = {"$lte": room[1] - room[0]}
        update: dict[str, Any] = {**change}
        update["$inc"] = {**update.get("$inc", {}), "revision": 1}
        update["$set"] = {**update.get("$set", {}), "updated_at": utc(at)}
        return await self._playlists.find_one_and_update(query, update, fields or HIDDEN, return_document=AFTER)

    async def _touch_live(self, guild_id: int, playlist_id: str, at: datetime) -> int:
        doc = await self._touch(guild_id, playlist_id, at, {}, fields={"track_count": True})
        if doc is None:
            raise playlist_missing()
        return int(doc["track_count"])

    async def _refusal(self, guild_id: int, playlist_id: str, max_tracks: int) -> Exception:
        """Why a guarded slot reservation matched nothing: the playlist is gone, or it is full."""
        live = await self._playlists.find_one(
            {"_id": playlist_id, "guild_id": guild_id, "deleted_at": None}, {"_id": True}
        )
        return playlist_full(max_tracks) if live else playlist_missing()

    async def _give_back(self, playlist_id: str, n: int) -> None:
        await self._playlists.update_one({"_id": playlist_id}, {"$inc": {"track_count": -n}})

    async def _reserve_room(self, guild_id: int, max_per_guild: int) -> None:
        """Take one of the guild's live-playlist slots: a guarded $inc on the guild's counter."""
        with suppress(DuplicateKeyError):  # a concurrent first write for this guild created it
            await self._db.guilds.update_one(
                {"_id": guild_id}, {"$setOnInsert": {"manager_role_ids": [], "live_playlists": 0}}, upsert=True
            )
        doc = await self._db.guilds.find_one_and_update(
            {"_id": guild_id, "live_playlists": {"$lt": max_per_guild}}, {"$inc": {"live_playlists": 1}}
        )
        if doc is None:
            raise guild_full(max_per_guild)

    async def _release_room(self, guild_id: int) -> None:
        await self._db.guilds.update_one(
            {"_id": guild_id, "live_playlists": {"$gt": 0}}, {"$inc": {"live_playlists": -1}}
        )

    async def _key_after(self, playlist_id: str, key: str) -> str:
        nxt = await self._entries.find_one(
            {"playlist_id": playlist_id, "order_key": {"$gt": key}}, {"order_key": True}, sort=BY_KEY
        )
        return between(key, nxt["order_key"] if nxt else None)

    async def _rekey(self, guild_id: int, playlist_id: str, entry_id: str, key: str) -> Entry:
        doc = await self._entries.find_one_and_update(
            {"_id": entry_id, "playlist_id": playlist_id, "guild_id": guild_id},
            {"$set": {"order_key": key}},
            return_document=AFTER,
        )
        if doc is None:
            raise entry_missing()
        return entry_from_doc(doc)
