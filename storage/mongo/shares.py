"""ShareRepository on MongoDB: a `shares` document per playlist whose public page is on (`_id` is the token, a
unique index on `playlist_id`), and the server's page privacy (two fields of its `guilds` document). A share change
bumps its playlist's revision and leaves its event's id in the playlist's journal, through the journal writer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.errors import Conflict
from bot.domain.models import NewEvent, Playlist
from bot.domain.ports.shares import Share, SharePrivacy
from storage.common import playlist_missing, utc
from storage.mongo.codec import playlist_from_doc
from storage.mongo.db import Doc, MongoDatabase, Session
from storage.mongo.events import Journal
from storage.mongo.playlists import HIDDEN, touch

ALREADY_SHARED = "That playlist's page is already on."
NO_SUCH_PLAYLIST = "\x00"  # no playlist has this id: an unknown token costs the same two reads as a known one
PRIVACY_FIELDS = {"share_server_name": True, "share_member_names": True}


def share_from_doc(doc: Doc) -> Share:
    return Share(
        token=doc["_id"],
        guild_id=doc["guild_id"],
        playlist_id=doc["playlist_id"],
        created_by=doc["created_by"],
        created_at=utc(doc["created_at"]),
        indexable=bool(doc.get("indexable", False)),
    )


class MongoShares:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._shares = db.shares
        self._journal = Journal(db)

    async def get(self, guild_id: int, playlist_id: str) -> Share | None:
        doc = await self._shares.find_one({"guild_id": guild_id, "playlist_id": playlist_id})
        return None if doc is None else share_from_doc(doc)

    async def by_token(self, token: str) -> tuple[Share, Playlist] | None:
        share = await self._shares.find_one({"_id": token})
        target = NO_SUCH_PLAYLIST if share is None else share["playlist_id"]
        playlist = await self._db.playlists.find_one({"_id": target}, HIDDEN)
        if share is None or playlist is None:
            return None
        return share_from_doc(share), playlist_from_doc(playlist)

    async def create(self, share: Share, *, at: datetime, event: NewEvent | None = None) -> Share:
        stored = share.model_copy(update={"created_at": utc(share.created_at)})
        doc = {**stored.model_dump(exclude={"token"}), "_id": stored.token}

        async def change(session: Session, mark: str | None) -> Share:
            if await touch(self._db, share.guild_id, share.playlist_id, at, {}, session=session, mark=mark) is None:
                raise playlist_missing()
            try:
                await self._shares.insert_one(doc, session=session)
            except DuplicateKeyError as e:
                raise Conflict(ALREADY_SHARED) from e
            return stored

        return await self._journal.write(change, event)

    async def set_indexable(
        self, guild_id: int, playlist_id: str, indexable: bool, *, at: datetime, event: NewEvent | None = None
    ) -> Share:
        async def change(session: Session, mark: str | None) -> Share:
            if await touch(self._db, guild_id, playlist_id, at, {}, session=session, mark=mark) is None:
                raise playlist_missing()
            doc = await self._shares.find_one_and_update(
                {"guild_id": guild_id, "playlist_id": playlist_id},
                {"$set": {"indexable": indexable}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc is None:
                raise playlist_missing()
            return share_from_doc(doc)

        return await self._journal.write(change, event)

    async def revoke(
        self, guild_id: int, playlist_id: str, *, at: datetime, event: NewEvent | None = None
    ) -> Share | None:
        live = {"_id": playlist_id, "guild_id": guild_id, "deleted_at": None}
        if await self._db.playlists.find_one(live, {"_id": True}) is None:
            raise playlist_missing()
        current = await self._shares.find_one({"guild_id": guild_id, "playlist_id": playlist_id})
        if current is None:
            return None

        async def change(session: Session, mark: str | None) -> Share:
            doc = await self._shares.find_one_and_delete({"_id": current["_id"]}, session=session)
            if doc is None:  # a concurrent revoke won: its event is the one that counts
                raise _AlreadyOff
            await touch(self._db, guild_id, playlist_id, at, {}, session=session, mark=mark)
            return share_from_doc(doc)

        try:
            return await self._journal.write(change, event)
        except _AlreadyOff:
            return None

    async def privacy(self, guild_id: int) -> SharePrivacy:
        return _privacy(guild_id, await self._db.guilds.find_one({"_id": guild_id}, PRIVACY_FIELDS))

    async def set_privacy(
        self, guild_id: int, *, server_name: bool | None = None, member_names: bool | None = None
    ) -> SharePrivacy:
        sets = {
            field: value
            for field, value in (("share_server_name", server_name), ("share_member_names", member_names))
            if value is not None
        }
        update: dict[str, Any] = {"$setOnInsert": {"manager_role_ids": [], "live_playlists": 0}}
        if sets:
            update["$set"] = sets
        for _ in range(2):  # two first writes for one guild can race on the upsert: the loser retries as an update
            try:
                doc = await self._db.guilds.find_one_and_update(
                    {"_id": guild_id}, update, PRIVACY_FIELDS, upsert=True, return_document=ReturnDocument.AFTER
                )
                return _privacy(guild_id, doc)
            except DuplicateKeyError:
                continue
        raise RuntimeError("guild settings upsert kept conflicting")


class _AlreadyOff(Exception):
    pass


def _privacy(guild_id: int, doc: Doc | None) -> SharePrivacy:
    if doc is None:
        return SharePrivacy(guild_id=guild_id)
    return SharePrivacy(
        guild_id=guild_id,
        server_name=bool(doc.get("share_server_name", False)),
        member_names=bool(doc.get("share_member_names", False)),
    )
