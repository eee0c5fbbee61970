"""AccountRepository on MongoDB: members' linked Last.fm accounts and their blend consent."""

from __future__ import annotations

from pymongo import ReturnDocument

from bot.domain.models import Account
from storage.common import utc
from storage.mongo.db import MongoDatabase


class MongoAccounts:
    def __init__(self, db: MongoDatabase) -> None:
        self._accounts = db.accounts

    async def link(self, account: Account) -> None:
        doc = {
            "lastfm_username": account.lastfm_username,
            "linked_at": utc(account.linked_at),
            "mix_consent": account.mix_consent,
        }
        await self._accounts.replace_one({"_id": account.user_id}, doc, upsert=True)

    async def get(self, user_id: int) -> Account | None:
        doc = await self._accounts.find_one({"_id": user_id})
        return None if doc is None else Account(user_id=doc.pop("_id"), **doc)

    async def unlink(self, user_id: int) -> bool:
        return (await self._accounts.delete_one({"_id": user_id})).deleted_count == 1

    async def set_consent(self, user_id: int, consent: bool) -> Account | None:
        doc = await self._accounts.find_one_and_update(
            {"_id": user_id}, {"$set": {"mix_consent": consent}}, return_document=ReturnDocument.AFTER
        )
        return None if doc is None else Account(user_id=doc.pop("_id"), **doc)
