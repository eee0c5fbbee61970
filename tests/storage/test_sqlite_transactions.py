"""SQLite only: `SqliteDatabase.transact` runs a whole write transaction as one call on the writer thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.errors import Conflict, LimitExceeded, NotFound
from storage.sqlite.db import SqliteDatabase

LINK = "INSERT INTO accounts (user_id, lastfm_username, linked_at) VALUES (?, 'someone', '2025-01-01')"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[SqliteDatabase]:
    opened = await SqliteDatabase.open(tmp_path / "t.sqlite3")
    try:
        yield opened
    finally:
        await opened.close()


async def _users(db: SqliteDatabase) -> list[int]:
    return [r[0] for r in await db.rows("SELECT user_id FROM accounts ORDER BY user_id")]


@pytest.mark.parametrize("error", [Conflict("taken"), NotFound("gone"), LimitExceeded("full"), RuntimeError("bug")])
async def test_an_exception_mid_transaction_rolls_back_and_propagates_unchanged(
    db: SqliteDatabase, error: Exception
) -> None:
    def tx(conn: sqlite3.Connection) -> None:
        conn.execute(LINK, (1,))
        conn.execute(LINK, (2,))
        raise error

    with pytest.raises(type(error)) as raised:
        await db.transact(tx)
    assert raised.value is error
    assert await _users(db) == []
    assert await db.transact(lambda conn: conn.execute(LINK, (3,)).rowcount) == 1  # no transaction left open
    assert await _users(db) == [3]


async def test_a_failing_statement_rolls_back_the_earlier_ones(db: SqliteDatabase) -> None:
    def tx(conn: sqlite3.Connection) -> None:
        conn.execute(LINK, (1,))
        conn.execute(LINK, (1,))  # primary key taken

    with pytest.raises(sqlite3.IntegrityError):
        await db.transact(tx)
    assert await _users(db) == []


async def test_runs_off_the_event_loop_in_one_call(db: SqliteDatabase) -> None:
    loop_thread = threading.get_ident()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    def slow(conn: sqlite3.Connection) -> int:
        conn.execute(LINK, (1,))
        time.sleep(0.2)  # a long transaction holds the write lock, never the loop
        return threading.get_ident()

    task = asyncio.create_task(ticker())
    try:
        writer = asyncio.create_task(db.transact(slow))
        await asyncio.sleep(0.05)
        assert await _users(db) == []  # the reader sees the last committed state meanwhile
        thread = await writer
    finally:
        task.cancel()
    assert thread != loop_thread
    assert ticks >= 10
    assert await _users(db) == [1]


async def test_transactions_run_one_at_a_time(db: SqliteDatabase) -> None:
    def bump(conn: sqlite3.Connection) -> None:  # a read-modify-write: safe only if transactions never interleave
        n = conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        conn.execute(LINK, (n + 1,))

    await asyncio.gather(*(db.transact(bump) for _ in range(50)))
    assert await _users(db) == list(range(1, 51))


async def test_closed_database_refuses_work(tmp_path: Path) -> None:
    db = await SqliteDatabase.open(tmp_path / "t.sqlite3")
    pending = asyncio.ensure_future(db.transact(lambda conn: conn.execute(LINK, (1,))))
    await asyncio.sleep(0)  # asked for
    await db.close()  # after the transaction already asked for
    await pending
    await db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        await db.transact(lambda conn: None)
    reopened = await SqliteDatabase.open(tmp_path / "t.sqlite3")
    try:
        assert await _users(reopened) == [1]
    finally:
        await reopened.close()
