"""Contract: events, guild settings, accounts, cache, health, persistence and `open_storage` itself."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.models import Account, EventAction, NewEvent
from bot.domain.ports.storage import CachedValue, GuildSettings, Storage
from storage import open_storage
from storage.common import utc
from storage.sqlite.db import MIGRATIONS
from tests.storage.backends import Backend
from tests.storage.helpers import G1, G2, at, new_entries, new_playlist


def _event(
    seconds: float, action: EventAction = EventAction.ADD, actor: int = 1, playlist: str = "pa", guild: int = G1
) -> NewEvent:
    data = {"ids": ["a", "b"], "n": 2, "when": at(seconds)}
    summary = f"{action} at {seconds}"
    return NewEvent(
        guild_id=guild, playlist_id=playlist, actor_id=actor, action=action, summary=summary, data=data, at=at(seconds)
    )


async def test_events_newest_first(storage: Storage) -> None:
    ev = storage.events
    first = await ev.append(_event(1))
    assert first.data == {"ids": ["a", "b"], "n": 2, "when": at(1).isoformat().replace("+00:00", "Z")}
    assert first.undone is False and first.at == at(1)
    await ev.append(_event(3, playlist="pb"))
    await ev.append(_event(2))
    same_time = await ev.append(_event(3))  # same instant: the later append is newer
    await ev.append(_event(9, guild=G2))
    listed = await ev.list(G1)
    assert [e.summary for e in listed] == ["add at 3", "add at 3", "add at 2", "add at 1"]
    assert listed[0].id == same_time.id and listed[-1] == first
    assert [e.at for e in await ev.list(G1, playlist_id="pa")] == [at(3), at(2), at(1)]
    assert len(await ev.list(G1, limit=2)) == 2
    assert [e.guild_id for e in await ev.list(G2)] == [G2]


async def test_last_undoable_filters(storage: Storage) -> None:
    ev = storage.events
    assert await ev.last_undoable(G1) is None
    a = await ev.append(_event(1, actor=1, playlist="pa"))
    b = await ev.append(_event(2, actor=2, playlist="pb"))
    await ev.append(_event(3, action=EventAction.UNDO, actor=1, playlist="pa"))
    assert await ev.last_undoable(G1) == b
    assert await ev.last_undoable(G1, actor_id=1) == a
    assert await ev.last_undoable(G1, playlist_id="pa") == a
    assert await ev.last_undoable(G1, actor_id=2, playlist_id="pa") is None
    assert await ev.last_undoable(G2) is None
    assert await ev.mark_undone(G2, b.id) is False  # another guild's event
    assert await ev.mark_undone(G1, b.id) is True
    assert await ev.mark_undone(G1, b.id) is False
    assert await ev.last_undoable(G1) == a
    assert (await ev.list(G1, playlist_id="pb"))[0].undone is True
    assert await ev.mark_undone(G2, b.id, undone=False) is False  # still not another guild's
    assert await ev.mark_undone(G1, b.id, undone=False) is True  # given back: undoable again
    assert await ev.mark_undone(G1, b.id, undone=False) is False
    assert await ev.last_undoable(G1) == b


async def test_guild_settings(storage: Storage) -> None:
    assert await storage.guilds.settings(G1) == GuildSettings(guild_id=G1)
    await storage.guilds.set_manager_role(G1, 10, present=True)
    await storage.guilds.set_manager_role(G1, 20, present=True)
    s = await storage.guilds.set_manager_role(G1, 10, present=True)
    assert s.manager_role_ids == (10, 20)
    s = await storage.guilds.set_manager_role(G1, 10, present=False)
    assert s == GuildSettings(guild_id=G1, manager_role_ids=(20,)) == await storage.guilds.settings(G1)
    assert (await storage.guilds.set_manager_role(G2, 5, present=False)).manager_role_ids == ()
    assert await storage.guilds.settings(G2) == GuildSettings(guild_id=G2)
    # settings and the playlist limit live side by side
    await storage.playlists.create(new_playlist(), max_per_guild=1)
    assert (await storage.guilds.settings(G1)).manager_role_ids == (20,)


async def test_accounts(storage: Storage) -> None:
    acc = storage.accounts
    assert await acc.get(42) is None
    await acc.link(Account(user_id=42, lastfm_username="rj", linked_at=at(1)))
    assert await acc.get(42) == Account(user_id=42, lastfm_username="rj", linked_at=at(1))
    await acc.link(Account(user_id=42, lastfm_username="other", linked_at=at(2)))
    assert await acc.get(42) == Account(user_id=42, lastfm_username="other", linked_at=at(2))
    assert await acc.unlink(42) is True
    assert await acc.unlink(42) is False
    assert await acc.get(42) is None


async def test_cache(storage: Storage) -> None:
    # MongoDB's TTL monitor deletes by the wall clock, so the cache is tested with times around the real now.
    now = utc(datetime.now(UTC))

    def t(seconds: float) -> datetime:
        return now + timedelta(seconds=seconds)

    c = storage.cache
    value = {"track": {"name": "Song", "@attr": {"rank": "1"}, "#text": "x"}, "list": [1, 2.5, None, True]}
    assert await c.get("k", now=t(0)) is None
    await c.put("k", value, now=t(0), fresh_until=t(60), expires_at=t(600))
    expected = CachedValue(key="k", value=value, stored_at=t(0), fresh_until=t(60), expires_at=t(600))
    assert await c.get("k", now=t(1)) == expected
    stale = await c.get("k", now=t(120))  # stale but not expired: still served
    assert stale == expected and stale.fresh_until < t(120)
    assert await c.get("k", now=t(600)) is None
    await c.put("k", [1], now=t(700), fresh_until=t(760), expires_at=t(1300))
    got = await c.get("k", now=t(701))
    assert got is not None and got.value == [1] and got.stored_at == t(700)


async def test_ping(storage: Storage) -> None:
    await storage.ping()


async def test_data_survives_reopening(backend: Backend) -> None:
    try:
        async with backend.open() as first:
            p = await first.playlists.create(new_playlist("Keep"), max_per_guild=5)
            await first.entries.append(G1, p.id, new_entries(3), max_tracks=10, at=at())
            await first.accounts.link(Account(user_id=1, lastfm_username="u", linked_at=at()))
        async with backend.open() as second:  # opening again (schema / indexes in place) is harmless
            again = await second.playlists.get(G1, p.id)
            assert again is not None and again.track_count == 3 and again.revision == 1
            assert [e.track.title for e in await second.entries.page(G1, p.id)] == [
                "Title 0",
                "Title 1",
                "Title 2",
            ]
            assert await second.accounts.get(1) is not None
            more = await second.entries.append(G1, p.id, new_entries(1, start=3), max_tracks=10, at=at())
            assert more[0].order_key > (await second.entries.page(G1, p.id))[2].order_key
    finally:
        await backend.drop()


async def test_open_storage_creates_the_data_dir(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "sharify.sqlite3"
    async with open_storage(mongodb_uri=None, database="unused", sqlite_path=path) as store:
        await store.ping()
    assert path.exists()


async def test_sqlite_file_settings(tmp_path: Path) -> None:
    import sqlite3  # noqa: PLC0415

    async with Backend.sqlite(tmp_path).open() as store:
        await store.ping()
        path = Backend.sqlite(tmp_path).sqlite_path
        with contextlib.closing(sqlite3.connect(path)) as db:  # a second, independent reader of the same file
            assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)


async def test_storage_does_not_import_discord() -> None:
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    code = "import sys, storage, storage.sqlite, storage.mongo; assert 'discord' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: ASYNC221


def test_helpers_are_sane() -> None:
    assert at(1) - at(0) == timedelta(seconds=1)
    with pytest.raises(ValueError, match="seq"):
        from bot.domain.ordering import append_key  # noqa: PLC0415

        append_key(0)
