"""AccountRepository on SQLite: members' linked Last.fm accounts."""

from __future__ import annotations

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
                sql="INSERT INTO accounts (user_id, lastfm_username, linked_at) VALUES (?, ?, ?) ON CONFLICT (user_id)"
                " DO UPDATE SET lastfm_username = excluded.lastfm_username, linked_at = excluded.linked_at",
                params=(account.user_id, account.lastfm_username, iso(account.linked_at)),
            )
        )

    async def get(self, user_id: int) -> Account | None:
        row = await self._db.row(
            "SELECT user_id, lastfm_username, linked_at FROM accounts WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return Account(user_id=row[0], lastfm_username=row[1], linked_at=from_iso(row[2]))

    async def unlink(self, user_id: int) -> bool:
        sql = "DELETE FROM accounts WHERE user_id = ? RETURNING user_id"
        row = await self._db.transact(partial(fetch_one, sql=sql, params=(user_id,)))
        return row is not None
