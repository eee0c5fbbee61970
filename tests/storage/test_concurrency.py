"""Contract: limits and counters hold under many simultaneous writers; nothing is lost or duplicated."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.domain.errors import LimitExceeded, NotFound
from bot.domain.ports.storage import Storage
from tests.storage.helpers import BIG, G1, assert_consistent, at, new_entries, new_playlist, playlist_with


async def _outcomes(*calls: object) -> list[object]:
    return await asyncio.gather(*calls, return_exceptions=True)  # type: ignore[arg-type]


async def test_concurrent_creates_respect_max_per_guild(storage: Storage) -> None:
    results = await _outcomes(*(storage.playlists.create(new_playlist(f"p{i}"), max_per_guild=10) for i in range(50)))
    made = [r for r in results if not isinstance(r, BaseException)]
    assert len(made) == 10
    assert all(isinstance(r, LimitExceeded) for r in results if isinstance(r, BaseException))
    assert len(await storage.playlists.list(G1)) == 10


async def test_concurrent_creates_of_one_name(storage: Storage) -> None:
    results = await _outcomes(*(storage.playlists.create(new_playlist("Same"), max_per_guild=10) for _ in range(20)))
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert len(await storage.playlists.list(G1)) == 1
    for i in range(9):  # the 19 losers gave their slots back
        await storage.playlists.create(new_playlist(f"p{i}"), max_per_guild=10)


async def test_200_concurrent_appenders(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    one = new_entries(200)
    await asyncio.gather(*(storage.entries.append(G1, pid, [one[i]], max_tracks=BIG, at=at(i)) for i in range(200)))
    entries = await assert_consistent(storage, G1, pid)
    assert len(entries) == 200
    assert sorted(e.track.title for e in entries) == sorted(e.track.title for e in one)


async def test_concurrent_appends_never_exceed_the_cap(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    results = await _outcomes(
        *(storage.entries.append(G1, pid, new_entries(1 + i % 3), max_tracks=25, at=at()) for i in range(30))
    )
    added = sum(len(r) for r in results if isinstance(r, list))
    assert all(isinstance(r, list | LimitExceeded) for r in results)
    entries = await assert_consistent(storage, G1, pid)
    assert len(entries) == added <= 25
    assert added >= 23  # refused only when the next batch (at most 3) no longer fit


async def test_two_removers_of_one_entry(storage: Storage) -> None:
    pid = await playlist_with(storage, 3)
    target = (await storage.entries.page(G1, pid))[1]
    a, b = await asyncio.gather(*(storage.entries.remove(G1, pid, [target.id], at=at()) for _ in range(2)))
    assert sorted([a, b], key=len) == [[], [target]]
    assert len(await assert_consistent(storage, G1, pid)) == 2


async def test_concurrent_overlapping_removes(storage: Storage) -> None:
    pid = await playlist_with(storage, 40)
    ids = [e.id for e in await storage.entries.page(G1, pid)]
    rng = random.Random(7)
    picks = [rng.sample(ids, 10) for _ in range(8)]
    results = await asyncio.gather(*(storage.entries.remove(G1, pid, p, at=at()) for p in picks))
    removed = [e.id for r in results for e in r]
    assert len(removed) == len(set(removed)) == len(set().union(*picks))
    left = await assert_consistent(storage, G1, pid)
    assert {e.id for e in left} == set(ids) - set(removed)


async def test_concurrent_moves_and_removes(storage: Storage) -> None:
    pid = await playlist_with(storage, 30)
    entries = await storage.entries.page(G1, pid)
    rng = random.Random(11)
    victims = {e.id for e in rng.sample(entries, 8)}

    async def move(entry_id: str) -> object:
        try:
            return await storage.entries.move(G1, pid, entry_id, rng.randint(1, 30), at=at())
        except NotFound:
            return None  # removed concurrently

    calls = [move(rng.choice(entries).id) for _ in range(40)]
    calls += [storage.entries.remove(G1, pid, [v], at=at()) for v in victims]
    rng.shuffle(calls)
    await asyncio.gather(*calls)
    left = await assert_consistent(storage, G1, pid)
    assert {e.id for e in left} == {e.id for e in entries} - victims


async def test_concurrent_moves_of_one_entry_into_one_gap(storage: Storage) -> None:
    pid = await playlist_with(storage, 6)
    entries = await storage.entries.page(G1, pid)
    await asyncio.gather(*(storage.entries.move(G1, pid, e.id, 3, at=at()) for e in entries[3:] for _ in range(3)))
    left = await assert_consistent(storage, G1, pid)
    assert {e.id for e in left} == {e.id for e in entries}


async def test_mark_undone_only_once(storage: Storage) -> None:
    from bot.domain.models import EventAction, NewEvent  # noqa: PLC0415

    ev = await storage.events.append(
        NewEvent(guild_id=G1, playlist_id="p", actor_id=1, action=EventAction.ADD, summary="added", at=at())
    )
    flips = await asyncio.gather(*(storage.events.mark_undone(G1, ev.id) for _ in range(20)))
    assert sorted(flips) == [False] * 19 + [True]


@pytest.mark.parametrize("writers", [5])
async def test_concurrent_collaborator_changes(storage: Storage, writers: int) -> None:
    p = await storage.playlists.create(new_playlist(), max_per_guild=BIG)
    await asyncio.gather(
        *(
            storage.playlists.set_collaborator(G1, p.id, at=at(), user_id=u, present=True)
            for u in range(writers)
            for _ in range(2)
        )
    )
    got = await storage.playlists.get(G1, p.id)
    assert got is not None and sorted(got.collaborator_user_ids) == list(range(writers))
    assert got.revision == writers * 2
