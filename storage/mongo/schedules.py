"""ScheduleRepository on MongoDB. A claim is `find_one_and_update` with a guard (due, not paused, no live lease):
the server applies it to one document atomically, so of any number of claimants exactly one gets each schedule.
finish, retry and release are guarded by the lease owner and the occurrence (`next_run_at`). The per-server limit
is a counter on the guild document, taken with a conditional `$inc` before the insert and given back if it fails."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.errors import Conflict
from bot.domain.schedules.models import NewSchedule, Outcome, Schedule
from storage.common import new_id, schedule_limit, schedule_missing, utc
from storage.mongo.db import Doc, MongoDatabase

COUNTER = "schedule_count"


def schedule_from_doc(doc: Doc) -> Schedule:
    return Schedule(id=doc.pop("_id"), **doc)


def _free(now: datetime) -> dict[str, Any]:
    return {"$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}]}


class MongoSchedules:
    def __init__(self, db: MongoDatabase) -> None:
        self._db = db
        self._col = db.schedules

    async def create(self, new: NewSchedule, *, max_per_guild: int) -> Schedule:
        guilds = self._db.guilds
        with suppress(DuplicateKeyError):  # a concurrent first write for this guild created it
            await guilds.update_one(
                {"_id": new.guild_id}, {"$setOnInsert": {"manager_role_ids": [], "live_playlists": 0}}, upsert=True
            )
        room = await guilds.find_one_and_update(
            {"_id": new.guild_id, "$or": [{COUNTER: {"$exists": False}}, {COUNTER: {"$lt": max_per_guild}}]},
            {"$inc": {COUNTER: 1}},
            {"_id": True},
        )
        if room is None:
            raise schedule_limit(max_per_guild)
        schedule = Schedule(id=new_id(), **new.model_dump())
        doc = {"_id": schedule.id, **schedule.model_dump(mode="python", exclude={"id"})}
        doc["created_at"], doc["next_run_at"], doc["every"] = utc(new.created_at), utc(new.next_run_at), new.every.value
        doc["saved"] = []
        try:
            await self._col.insert_one(doc)
        except BaseException:
            await guilds.update_one({"_id": new.guild_id, COUNTER: {"$gt": 0}}, {"$inc": {COUNTER: -1}})
            raise
        return schedule_from_doc(doc)

    async def get(self, guild_id: int, schedule_id: str) -> Schedule | None:
        doc = await self._col.find_one({"_id": schedule_id, "guild_id": guild_id})
        return None if doc is None else schedule_from_doc(doc)

    async def list(self, guild_id: int) -> builtins.list[Schedule]:
        cursor = self._col.find({"guild_id": guild_id}).sort([("paused", 1), ("next_run_at", 1), ("_id", 1)])
        return [schedule_from_doc(d) async for d in cursor]

    async def delete(self, guild_id: int, schedule_id: str) -> bool:
        gone = await self._col.find_one_and_delete({"_id": schedule_id, "guild_id": guild_id}, {"_id": True})
        if gone is None:
            return False
        await self._db.guilds.update_one({"_id": guild_id, COUNTER: {"$gt": 0}}, {"$inc": {COUNTER: -1}})
        return True

    async def set_paused(
        self, guild_id: int, schedule_id: str, *, paused: bool, reason: str | None, next_run_at: datetime
    ) -> Schedule:
        doc = await self._col.find_one_and_update(
            {"_id": schedule_id, "guild_id": guild_id},
            {
                "$set": {
                    "paused": paused,
                    "paused_reason": reason,
                    "next_run_at": utc(next_run_at),
                    "failures": 0,
                    "attempts": 0,
                    "lease_owner": None,
                    "lease_until": None,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise schedule_missing()
        return schedule_from_doc(doc)

    async def reschedule(self, guild_id: int, schedule_id: str, *, next_run_at: datetime) -> Schedule:
        at = utc(next_run_at)
        doc = await self._col.find_one_and_update(
            {"_id": schedule_id, "guild_id": guild_id, **_free(at)},
            {"$set": {"next_run_at": at, "attempts": 0}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            if await self._col.find_one({"_id": schedule_id, "guild_id": guild_id}, {"_id": True}) is None:
                raise schedule_missing()
            raise Conflict("That schedule is being posted right now.")
        return schedule_from_doc(doc)

    async def claim(self, *, now: datetime, owner: str, lease_until: datetime, limit: int) -> builtins.list[Schedule]:
        now, until = utc(now), utc(lease_until)
        claimed: builtins.list[Schedule] = []
        for _ in range(limit):
            doc = await self._col.find_one_and_update(
                {"paused": False, "next_run_at": {"$lte": now}, **_free(now)},
                {"$set": {"lease_owner": owner, "lease_until": until}, "$inc": {"attempts": 1}},
                sort=[("next_run_at", 1)],
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                break
            claimed.append(schedule_from_doc(doc))
        return claimed

    async def finish(
        self,
        schedule_id: str,
        *,
        owner: str,
        occurrence: datetime,
        outcome: Outcome,
        detail: str | None,
        message_id: int | None,
        next_run_at: datetime,
        failures: int,
        pause_reason: str | None = None,
    ) -> bool:
        update: Doc = {
            "next_run_at": utc(next_run_at),
            "lease_owner": None,
            "lease_until": None,
            "attempts": 0,
            "failures": failures,
            "last_run_at": utc(occurrence),
            "last_outcome": outcome.value,
            "last_detail": detail,
        }
        if message_id is not None:
            update["last_message_id"] = message_id
        if pause_reason is not None:
            update |= {"paused": True, "paused_reason": pause_reason}
        return await self._guarded(schedule_id, owner, occurrence, update)

    async def retry_later(
        self, schedule_id: str, *, owner: str, occurrence: datetime, at: datetime, detail: str
    ) -> bool:
        update: Doc = {
            "lease_owner": None,
            "lease_until": utc(at),
            "last_outcome": Outcome.RETRYING.value,
            "last_detail": detail,
            "last_run_at": utc(occurrence),
        }
        return await self._guarded(schedule_id, owner, occurrence, update)

    async def reserve_save(self, schedule_id: str, *, owner: str, occurrence: datetime, name: str) -> str | None:
        at = utc(occurrence)
        guard: Doc = {"_id": schedule_id, "lease_owner": owner, "next_run_at": at}
        # Already chosen for this occurrence: keep it (a no-op update that returns the name).
        doc = await self._col.find_one_and_update(
            {**guard, "save_at": at},
            {"$set": {"save_at": at}},
            {"save_name": True},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            doc = await self._col.find_one_and_update(
                {**guard, "save_at": {"$ne": at}},
                {"$set": {"save_at": at, "save_name": name}},
                {"save_name": True},
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else str(doc["save_name"])

    async def record_saved(self, schedule_id: str, *, playlist_id: str) -> builtins.list[str]:
        doc = await self._col.find_one_and_update(
            {"_id": schedule_id},
            {"$addToSet": {"saved": playlist_id}},  # appended once, at the end: the list stays oldest first
            {"saved": True},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise schedule_missing()
        return [str(p) for p in doc.get("saved", [])]

    async def forget_saved(self, schedule_id: str, *, playlist_ids: Sequence[str]) -> None:
        await self._col.update_one({"_id": schedule_id}, {"$pullAll": {"saved": list(playlist_ids)}})

    async def release(self, *, owner: str, schedule_ids: Sequence[str]) -> int:
        if not schedule_ids:
            return 0
        result = await self._col.update_many(
            {"_id": {"$in": list(schedule_ids)}, "lease_owner": owner},
            {"$set": {"lease_owner": None, "lease_until": None}},
        )
        return result.modified_count

    async def due(self, *, now: datetime) -> int:
        return await self._col.count_documents({"paused": False, "next_run_at": {"$lte": utc(now)}})

    async def _guarded(self, schedule_id: str, owner: str, occurrence: datetime, update: Doc) -> bool:
        result = await self._col.update_one(
            {"_id": schedule_id, "lease_owner": owner, "next_run_at": utc(occurrence)}, {"$set": update}
        )
        return result.modified_count == 1
