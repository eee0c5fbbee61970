"""PlaylistRepository on MongoDB. Every write that can race is one guarded single-document operation, written
with its event through the journal (one transaction, or a pending event the change confirms)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.models import NewEvent, NewPlaylist, Playlist, PlaylistMode
from bot.domain.ports.storage import EventFor
from storage.common import (
    MAX_KEY,
    collaborator_field,
    guild_full,
    name_taken,
    new_id,
    playlist_missing,
    trash_missing,
    utc,
)
from storage.mongo.codec import playlist_from_doc
from storage.mongo.db import Doc, MongoDatabase, Session
from storage.mongo.events import Journal, constant, journal_mark

AFTER = ReturnDocument.AFTER
HIDDEN = {"seq": False, "journal": False}  # the store's own bookkeeping, not the model's


async def touch(
    db: MongoDatabase,
    guild_id: int,
    playlist_id: str,
    at: datetime,
    change: Doc,
    *,
    session: Session,
    mark: str | None,
    room: tuple[int, int] | None = None,
    fields: Doc | None = None,
) -> Doc | None:
    """Apply `change` to the live playlist, bump its revision and leave `mark` in its journal, atomically; with
    room=(n, max), only if n more tracks fit. None when nothing matched."""
    query: Doc = {"_id": playlist_id, "guild_id": guild_id, "deleted_at": None}
    if room is not None:
        query["track_count"] = {"$lte": room[1] - room[0]}
    update: dict[str, Any] = {**change, **journal_mark(mark)}
    update["$inc"] = {**update.get("$inc", {}), "revision": 1}
    update["$set"] = {**update.get("$set", {}), "updated_at": utc(at)}
    return await db.playlists.find_one_and_update(
        query, update, fields or HIDDEN, return_document=AFTER, session=session
    )


class MongoPlaylists:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._playlists = db.playlists
        self._journal = Journal(db)

    async def create(
        self, new: NewPlaylist, *, max_per_guild: int, event: EventFor[Playlist] | None = None
    ) -> Playlist:
        at = utc(new.created_at)
        doc: Doc = {
            "_id": new_id(),
            **new.model_dump(exclude={"created_at"}),
            "mode": new.mode.value,
            "collaborator_user_ids": [],
            "collaborator_role_ids": [],
            "track_count": 0,
            "revision": 0,
            "created_at": at,
            "updated_at": at,
            "deleted_at": None,
        }
        playlist = playlist_from_doc(dict(doc))

        async def change(session: Session, mark: str | None) -> Playlist:
            await self._reserve_room(new.guild_id, max_per_guild, session)
            try:
                await self._playlists.insert_one({**doc, "seq": 0, "journal": [mark] if mark else []}, session=session)
            except BaseException as e:
                if session is None:  # outside a transaction: give back the slot of a playlist that did not appear
                    await self._release_room(new.guild_id, None)
                if isinstance(e, DuplicateKeyError):
                    raise name_taken(new.name) from e
                raise
            return playlist

        return await self._journal.write(change, event, predict=constant(playlist))

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
        event: NewEvent | None = None,
    ) -> Playlist:
        changes = {"name": name, "name_key": name_key, "description": description, "mode": mode and mode.value}
        sets = {field: value for field, value in changes.items() if value is not None}
        return await self._change(guild_id, playlist_id, at, {"$set": sets}, event, name=name or name_key)

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
        field, value = collaborator_field(user_id, role_id)
        return await self._change(
            guild_id, playlist_id, at, {"$addToSet" if present else "$pull": {field: value}}, event
        )

    async def soft_delete(
        self, guild_id: int, playlist_id: str, *, at: datetime, event: NewEvent | None = None
    ) -> Playlist:
        return await self._change(guild_id, playlist_id, at, {"$set": {"deleted_at": utc(at)}}, event, frees=True)

    async def restore(
        self, guild_id: int, playlist_id: str, *, at: datetime, max_per_guild: int, event: NewEvent | None = None
    ) -> Playlist:
        trashed = {"_id": playlist_id, "guild_id": guild_id, "deleted_at": {"$ne": None}}
        found = await self._playlists.find_one(trashed, {"name": True})
        if found is None:
            raise trash_missing()

        async def change(session: Session, mark: str | None) -> Playlist:
            await self._reserve_room(guild_id, max_per_guild, session)
            try:
                doc = await self._playlists.find_one_and_update(
                    trashed,
                    {
                        "$set": {"deleted_at": None, "updated_at": utc(at)},
                        "$inc": {"revision": 1},
                        **journal_mark(mark),
                    },
                    HIDDEN,
                    return_document=AFTER,
                    session=session,
                )
            except BaseException as e:
                if session is None:
                    await self._release_room(guild_id, None)  # the slot was for a playlist that stayed in the trash
                if isinstance(e, DuplicateKeyError):
                    raise name_taken(found["name"]) from e
                raise
            if doc is None:  # restored or purged by someone else in between
                if session is None:
                    await self._release_room(guild_id, None)
                raise trash_missing()
            return playlist_from_doc(doc)

        return await self._journal.write(change, event)

    async def purge_deleted(self, *, before: datetime) -> int:
        old = {"deleted_at": {"$ne": None, "$lt": utc(before)}}
        purged = 0
        for doc in await self._playlists.find(old, {"_id": True}).to_list():
            # The playlist first (guarded, so a concurrent restore wins), then its entries and its share page: a
            # crash in between leaves only unreachable entries or a token that 404s, never a playlist without its
            # tracks.
            if (await self._playlists.delete_one({"_id": doc["_id"], **old})).deleted_count:
                await self._db.entries.delete_many({"playlist_id": doc["_id"]})
                await self._db.shares.delete_many({"playlist_id": doc["_id"]})
                purged += 1
        return purged

    async def forget_user(self, user_id: int) -> int:
        owned = await self._playlists.update_many({"owner_id": user_id}, {"$set": {"owner_id": 0}})
        shared = await self._playlists.update_many(
            {"collaborator_user_ids": user_id}, {"$pull": {"collaborator_user_ids": user_id}}
        )
        return int(owned.modified_count + shared.modified_count)  # a playlist both owned and shared counts twice

    async def delete_guild(self, guild_id: int) -> int:
        ids = [doc["_id"] for doc in await self._playlists.find({"guild_id": guild_id}, {"_id": True}).to_list()]
        if not ids:
            return 0
        await self._db.entries.delete_many({"playlist_id": {"$in": ids}})  # the tracks first: never a playlist
        await self._db.shares.delete_many({"playlist_id": {"$in": ids}})  # (nor a page) without them
        return int((await self._playlists.delete_many({"_id": {"$in": ids}})).deleted_count)

    # -- helpers --------------------------------------------------------------------------------------------

    async def _change(
        self,
        guild_id: int,
        playlist_id: str,
        at: datetime,
        update: Doc,
        event: NewEvent | None,
        *,
        name: str | None = None,
        frees: bool = False,
    ) -> Playlist:
        async def change(session: Session, mark: str | None) -> Playlist:
            try:
                doc = await touch(self._db, guild_id, playlist_id, at, update, session=session, mark=mark)
            except DuplicateKeyError as e:
                raise name_taken(name or "") from e
            if doc is None:
                raise playlist_missing()
            if frees:
                await self._release_room(guild_id, session)
            return playlist_from_doc(doc)

        return await self._journal.write(change, event)

    async def _reserve_room(self, guild_id: int, max_per_guild: int, session: Session) -> None:
        """Take one of the guild's live-playlist slots: a guarded $inc on the guild's counter."""
        if session is None:
            with suppress(DuplicateKeyError):  # a concurrent first write for this guild created it
                await self._db.guilds.update_one(
                    {"_id": guild_id}, {"$setOnInsert": {"manager_role_ids": [], "live_playlists": 0}}, upsert=True
                )
        else:  # inside a transaction the upsert conflict aborts it instead (and with_transaction retries)
            await self._db.guilds.update_one(
                {"_id": guild_id},
                {"$setOnInsert": {"manager_role_ids": [], "live_playlists": 0}},
                upsert=True,
                session=session,
            )
        doc = await self._db.guilds.find_one_and_update(
            {"_id": guild_id, "live_playlists": {"$lt": max_per_guild}},
            {"$inc": {"live_playlists": 1}},
            session=session,
        )
        if doc is None:
            raise guild_full(max_per_guild)

    async def _release_room(self, guild_id: int, session: Session) -> None:
        await self._db.guilds.update_one(
            {"_id": guild_id, "live_playlists": {"$gt": 0}}, {"$inc": {"live_playlists": -1}}, session=session
        )
