"""RoundRepository on MongoDB. The rules are conditional single-document updates on the round document, which keeps
each member's counters (`quota.<member>`, `ballots.<member>`), plus a unique index on (round, normalized key):

- submit: 1. take a quota slot: `$inc` guarded by `phase: open` and the member's count below the quota; 2. insert
  the submission (the unique index refuses a repeat: the slot is given back); 3. append the playlist entry with its
  event (on failure the submission is deleted and the slot given back); 4. note the entry id on the submission.
  The claim (1, 2) comes first, so two members racing for one track never both add it to the playlist.
- vote: `$push` the member onto the submission's voters guarded by "not already there" (a repeat changes nothing),
  then take a ballot (`$inc` guarded by `phase: voting` and the member's count below the limit); when that is
  refused the push is pulled back. Taking a vote back is the mirror image.
- transition: `find_one_and_update` guarded by the expected phase: one caller wins.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from bot.domain.models import NewEntry
from bot.domain.ports.rounds import EntriesEvent
from bot.domain.rounds import rules
from bot.domain.rounds.models import NewRound, NewSubmission, Phase, Round, Submission
from storage.common import new_id, utc
from storage.mongo.db import Doc, MongoDatabase
from storage.mongo.entries import MongoEntries

ACTIVE = [Phase.OPEN.value, Phase.VOTING.value]
COUNTERS = {"quota": False, "ballots": False, "active": False, "announce_pending": False}


def round_from_doc(doc: Doc) -> Round:
    return Round(id=doc.pop("_id"), **{k: v for k, v in doc.items() if k not in COUNTERS})


def submission_from_doc(doc: Doc) -> Submission:
    doc.pop("voters", None)
    return Submission(id=doc.pop("_id"), **doc)


def _below(field: str, limit: int) -> dict[str, Any]:
    return {"$or": [{field: {"$exists": False}}, {field: {"$lt": limit}}]}


class MongoRounds:
    def __init__(self, db: MongoDatabase) -> None:
        self._rounds = db.rounds
        self._subs = db.submissions
        self._db = db
        self._entries = MongoEntries(db)

    async def create(self, new: NewRound) -> Round:
        made = Round(id=new_id(), **new.model_dump(), next_at=new.closes_at)
        doc = {"_id": made.id, **made.model_dump(mode="python", exclude={"id"})}
        for key in ("created_at", "closes_at", "next_at"):
            doc[key] = utc(doc[key]) if doc[key] else None
        doc |= {"phase": Phase.OPEN.value, "active": new.playlist_id, "quota": {}, "ballots": {}}
        try:
            await self._rounds.insert_one(doc)
        except DuplicateKeyError:
            raise rules.already_running() from None
        return made.model_copy(
            update={"created_at": doc["created_at"], "closes_at": doc["closes_at"], "next_at": doc["next_at"]}
        )

    async def get(self, guild_id: int, round_id: str) -> Round | None:
        doc = await self._rounds.find_one({"_id": round_id, "guild_id": guild_id}, COUNTERS)
        return None if doc is None else round_from_doc(doc)

    async def active_for(self, guild_id: int, playlist_id: str) -> Round | None:
        doc = await self._rounds.find_one({"active": playlist_id, "guild_id": guild_id}, COUNTERS)
        return None if doc is None else round_from_doc(doc)

    async def list_active(self, guild_id: int) -> builtins.list[Round]:
        cursor = self._rounds.find({"guild_id": guild_id, "phase": {"$in": ACTIVE}}, COUNTERS)
        return [round_from_doc(d) async for d in cursor.sort([("created_at", 1), ("_id", 1)])]

    async def set_message(self, guild_id: int, round_id: str, message_id: int) -> None:
        where = {"_id": round_id, "guild_id": guild_id}
        shown: Doc = {"message_id": message_id, "announced_phase": Phase.OPEN.value}
        await self._rounds.update_one(
            {**where, "phase": Phase.OPEN.value}, {"$set": shown | {"announce_pending": False}}
        )
        await self._rounds.update_one(
            {**where, "phase": {"$ne": Phase.OPEN.value}}, {"$set": shown | {"announce_pending": True}}
        )

    async def announced(self, guild_id: int, round_id: str, phase: Phase) -> None:
        await self._rounds.update_one(
            {"_id": round_id, "guild_id": guild_id, "phase": phase.value},
            {"$set": {"announced_phase": phase.value, "announce_pending": False}},
        )

    async def unannounced(self, *, limit: int) -> builtins.list[Round]:
        cursor = self._rounds.find({"announce_pending": True, "message_id": {"$ne": None}}, COUNTERS)
        return [round_from_doc(d) async for d in cursor.sort([("created_at", 1), ("_id", 1)]).limit(limit)]

    async def submit(
        self,
        guild_id: int,
        round_id: str,
        new: NewSubmission,
        *,
        max_tracks: int,
        event: EntriesEvent | None = None,
    ) -> Submission:
        found = await self.get(guild_id, round_id)
        if found is None:
            raise rules.round_missing()
        sub = await self._claim(found, new)
        return await self._attach(found, sub, max_tracks=max_tracks, event=event)

    async def _claim(self, found: Round, new: NewSubmission) -> Submission:
        """Steps 1 and 2: a quota slot, then the submission (no entry yet)."""
        round_id, slot = found.id, f"quota.{new.member_id}"
        taken = await self._rounds.find_one_and_update(
            {"_id": round_id, "phase": Phase.OPEN.value, **_below(slot, found.per_member)},
            {"$inc": {slot: 1}},
            {"_id": True},
        )
        if taken is None:
            now = await self.get(found.guild_id, round_id)
            raise (
                rules.not_open()
                if now is None or now.phase is not Phase.OPEN
                else rules.quota_reached(found.per_member)
            )
        sub = Submission(
            id=new_id(),
            round_id=round_id,
            guild_id=found.guild_id,
            entry_id=None,
            member_id=new.member_id,
            track=new.track,
            norm_key=new.norm_key,
            submitted_at=utc(new.submitted_at),
        )
        doc = {"_id": sub.id, **sub.model_dump(exclude={"id"}), "voters": []}
        try:
            await self._subs.insert_one(doc)
        except DuplicateKeyError:
            await self._give_back(round_id, slot)
            other = await self._subs.find_one({"round_id": round_id, "norm_key": new.norm_key}, {"member_id": True})
            raise rules.already_submitted(
                new.track, yours=other is not None and other["member_id"] == new.member_id
            ) from None
        except BaseException:
            await self._give_back(round_id, slot)
            raise
        return sub

    async def _attach(
        self, found: Round, sub: Submission, *, max_tracks: int, event: EntriesEvent | None
    ) -> Submission:
        """Steps 3 and 4: the playlist entry with its event, then its id on the submission."""
        t = sub.submitted_at
        entry = NewEntry(track=sub.track, norm_key=sub.norm_key, added_by=sub.member_id, added_at=t)
        try:
            added = await self._entries.append(
                sub.guild_id, found.playlist_id, [entry], max_tracks=max_tracks, at=t, event=event
            )
        except BaseException:
            await self._drop(sub)
            raise
        await self._subs.update_one({"_id": sub.id}, {"$set": {"entry_id": added[0].id}})
        return sub.model_copy(update={"entry_id": added[0].id})

    async def _drop(self, sub: Submission) -> bool:
        """Withdraw a submission and free its quota slot (the slot only if this call deleted it)."""
        gone = await self._subs.find_one_and_delete({"_id": sub.id}, {"_id": True})
        if gone is not None:
            await self._give_back(sub.round_id, f"quota.{sub.member_id}")
        return gone is not None

    async def _give_back(self, round_id: str, field: str) -> None:
        await self._rounds.update_one({"_id": round_id, field: {"$gt": 0}}, {"$inc": {field: -1}})

    async def submissions(self, guild_id: int, round_id: str) -> builtins.list[Submission]:
        cursor = self._subs.find({"round_id": round_id, "guild_id": guild_id}).sort([("submitted_at", 1), ("_id", 1)])
        return [submission_from_doc(d) async for d in cursor]

    async def vote(
        self, guild_id: int, round_id: str, submission_id: str, member_id: int, *, on: bool, limit: int
    ) -> int:
        if await self.get(guild_id, round_id) is None:
            raise rules.round_missing()
        target = await self._subs.find_one({"_id": submission_id, "round_id": round_id}, {"member_id": True})
        if target is None:
            raise rules.submission_missing()
        if on and target["member_id"] == member_id:
            raise rules.own_track()
        field = f"ballots.{member_id}"
        # 1. claim the change on the submission (one of any number of equal requests gets it)
        claim: tuple[Doc, Doc]
        if on:
            claim = {"voters": {"$ne": member_id}}, {"$push": {"voters": member_id}, "$inc": {"votes": 1}}
            undo: Doc = {"$pull": {"voters": member_id}, "$inc": {"votes": -1}}
        else:
            claim = {"voters": member_id}, {"$pull": {"voters": member_id}, "$inc": {"votes": -1}}
            undo = {"$push": {"voters": member_id}, "$inc": {"votes": 1}}
        done = await self._subs.update_one({"_id": submission_id, **claim[0]}, claim[1])
        if done.modified_count == 0:  # it already was so: nothing changes
            doc = await self._rounds.find_one({"_id": round_id}, {"ballots": True})
            return int(((doc or {}).get("ballots") or {}).get(str(member_id), 0))
        # 2. count it against the member's votes, while the round is voting; else give the claim back
        guard: dict[str, Any] = _below(field, limit) if on else {field: {"$gt": 0}}
        taken = await self._rounds.find_one_and_update(
            {"_id": round_id, "phase": Phase.VOTING.value, **guard},
            {"$inc": {field: 1 if on else -1}},
            {"ballots": True},
            return_document=ReturnDocument.AFTER,
        )
        if taken is None:
            await self._subs.update_one({"_id": submission_id}, undo)
            now = await self.get(guild_id, round_id)
            if now is None or now.phase is not Phase.VOTING:
                raise rules.not_voting()
            raise rules.vote_limit(limit)
        return int(taken["ballots"][str(member_id)])

    async def votes_of(self, guild_id: int, round_id: str, member_id: int) -> builtins.set[str]:
        cursor = self._subs.find({"round_id": round_id, "guild_id": guild_id, "voters": member_id}, {"_id": True})
        return {d["_id"] async for d in cursor}

    async def voters(self, guild_id: int, round_id: str) -> int:
        doc = await self._rounds.find_one({"_id": round_id, "guild_id": guild_id}, {"ballots": True})
        return 0 if doc is None else sum(1 for n in (doc.get("ballots") or {}).values() if n > 0)

    async def transition(
        self,
        guild_id: int,
        round_id: str,
        *,
        expect: Phase,
        to: Phase,
        at: datetime,
        next_at: datetime | None,
        voting_ends_at: datetime | None = None,
    ) -> Round | None:
        update: Doc = {"phase": to.value, "next_at": utc(next_at) if next_at else None, "announce_pending": True}
        if to is Phase.REVEALED:
            update["revealed_at"] = utc(at)
        elif expect is Phase.OPEN:  # submissions close once: cancelling while voting keeps when they did
            update["closed_at"] = utc(at)
        if voting_ends_at is not None:
            update["voting_ends_at"] = utc(voting_ends_at)
        if not to.active:
            update["active"] = None
        doc = await self._rounds.find_one_and_update(
            {"_id": round_id, "guild_id": guild_id, "phase": expect.value},
            {"$set": update},
            COUNTERS,
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else round_from_doc(doc)

    async def due(self, *, now: datetime, limit: int) -> builtins.list[Round]:
        cursor = self._rounds.find({"next_at": {"$ne": None, "$lte": utc(now)}, "phase": {"$in": ACTIVE}}, COUNTERS)
        return [round_from_doc(d) async for d in cursor.sort([("next_at", 1), ("_id", 1)]).limit(limit)]

    async def withdraw(self, guild_id: int, playlist_id: str, entry_ids: builtins.list[str]) -> int:
        r = await self.active_for(guild_id, playlist_id)
        if r is None or r.phase is not Phase.OPEN or not entry_ids:
            return 0
        cursor = self._subs.find({"round_id": r.id, "entry_id": {"$in": entry_ids}})
        withdrawn = 0
        for doc in [d async for d in cursor]:
            withdrawn += await self._drop(submission_from_doc(doc))
        return withdrawn

    async def repair(self, *, older_than: datetime) -> int:
        cursor = self._subs.find({"entry_id": None, "submitted_at": {"$lt": utc(older_than)}})
        repaired = 0
        for doc in [d async for d in cursor]:
            sub = submission_from_doc(doc)
            r = await self._rounds.find_one({"_id": sub.round_id}, {"playlist_id": True})
            written = None if r is None else await self._db.entries.find_one(
                {"playlist_id": r["playlist_id"], "norm_key": sub.norm_key, "added_by": sub.member_id,
                 "added_at": sub.submitted_at},
                {"_id": True},
            )  # fmt: skip
            if written is not None:
                done = await self._subs.update_one(
                    {"_id": sub.id, "entry_id": None}, {"$set": {"entry_id": written["_id"]}}
                )
                repaired += done.modified_count
            else:
                repaired += await self._drop(sub)
        return repaired

    async def forget_user(self, user_id: int) -> int:
        changed = 0
        async for doc in self._subs.find({"voters": user_id}, {"round_id": True}):
            r = await self._rounds.find_one({"_id": doc["round_id"]}, {"phase": True})
            if r is not None and r["phase"] in ACTIVE:  # not revealed: the ballot goes (and its count with it)
                done = await self._subs.update_one(
                    {"_id": doc["_id"], "voters": user_id}, {"$pull": {"voters": user_id}, "$inc": {"votes": -1}}
                )
            else:  # revealed or cancelled: the vote stays, credited to a former member
                done = await self._subs.update_one({"_id": doc["_id"], "voters": user_id}, {"$set": {"voters.$": 0}})
            changed += done.modified_count
        gone = {"$unset": {f"ballots.{user_id}": "", f"quota.{user_id}": ""}}
        await self._rounds.update_many({f"ballots.{user_id}": {"$exists": True}}, gone)
        await self._rounds.update_many({f"quota.{user_id}": {"$exists": True}}, gone)
        await self._rounds.update_many({"created_by": user_id}, {"$set": {"created_by": 0}})
        subs = await self._subs.update_many({"member_id": user_id}, {"$set": {"member_id": 0}})
        return changed + int(subs.modified_count)

    async def delete_guild(self, guild_id: int) -> int:
        await self._subs.delete_many({"guild_id": guild_id})  # votes live on the submissions
        return int((await self._rounds.delete_many({"guild_id": guild_id})).deleted_count)
