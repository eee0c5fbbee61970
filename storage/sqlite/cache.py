"""CacheRepository on SQLite: the persistent Last.fm response cache."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from bot.domain.ports.storage import CachedValue
from storage.common import jsonable
from storage.sqlite.db import SqliteDatabase, from_iso, iso


class SqliteCache:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def get(self, key: str, *, now: datetime) -> CachedValue | None:
        row = await self._db.row(
            "SELECT key, value, stored_at, fresh_until, expires_at FROM cache WHERE key = ? AND expires_at > ?",
            (key, iso(now)),
        )
        if row is None:
            return None
        return CachedValue(
            key=row[0],
            value=json.loads(row[1]),
            stored_at=from_iso(row[2]),
            fresh_until=from_iso(row[3]),
            expires_at=from_iso(row[4]),
        )

    async def put(self, key: str, value: Any, *, now: datetime, fresh_until: datetime, expires_at: datetime) -> None:
        text = json.dumps(jsonable(value))

        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO cache (key, value, stored_at, fresh_until, expires_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, stored_at = excluded.stored_at,"
                " fresh_until = excluded.fresh_until, expires_at = excluded.expires_at",
                (key, text, iso(now), iso(fresh_until), iso(expires_at)),
            )
            # Expired rows go lazily (MongoDB's TTL index does this on its own): a few per write keeps it cheap.
            conn.execute(
                "DELETE FROM cache WHERE key IN (SELECT key FROM cache WHERE expires_at <= ? LIMIT 16)", (iso(now),)
            )

        await self._db.transact(tx)
