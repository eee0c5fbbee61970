"""AccountRepository on SQLite: members' linked Last.fm accounts and their blend consent."""

from __future__ import annotations

import sqlite3
from functools import partial

from bot.domain.models import Account
from storage.sqlite.db import SqliteDatabase, execute, fetch_one, from_iso, iso


class SqliteAccounts:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def link(self, account: Account) -> None:
        await self._db.transact(
            partial(
                execute,
                sql="INSERT INTO accounts (user_id, lastfm_username, linked_at, mix_consent) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET lastfm_username = excluded.lastfm_username,"
                " linked_at = excluded.linked_at, mix_consent = excluded.mix_consent",
                params=(account.user_id, account.lastfm_username, iso(account.linked_at), int(account.mix_consent)),
            )
        )

    async def get(self, user_id: int) -> Account | None:
        sql = "SELECT user_id, lastfm_username, linked_at, mix_consent FROM accounts WHERE user_id = ?"
        row = await self._db.row(sql, (user_id,))
        return None if row is None else _account(row)

    async def unlink(self, user_id: int) -> bool:
        sql = "DELETE FROM accounts WHERE user_id = ? RETURNING user_id"
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(user_id,)))
        return row is not None

    async def set_consent(self, user_id: int, consent: bool) -> Account | None:
        sql = (
            "UPDATE accounts SET mix_consent = ? WHERE user_id = ?"
            " RETURNING user_id, lastfm_username, linked_at, mix_consent"
        )
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(int(consent), user_id)))
        return None if row is None else _account(row)


def _account(row: sqlite3.Row) -> Account:
    return Account(user_id=row[0], lastfm_username=row[1], linked_at=from_iso(row[2]), mix_consent=bool(row[3]))
