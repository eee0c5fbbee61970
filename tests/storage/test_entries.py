"""Contract: playlist entries (append, reinsert, pages, positions, remove, move, set_order_key)."""

from __future__ import annotations

import pytest

from bot.domain.errors import LimitExceeded, NotFound
from bot.domain.ordering import append_key
from bot.domain.ports.storage import Storage
from tests.storage.helpers import BIG, G1, G2, OWNER, assert_consistent, at, new_entries, playlist_with, titles


async def test_append_and_read(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    added = await storage.entries.append(G1, pid, new_entries(3), max_tracks=BIG, at=at(9))
    assert titles(added) == ["Title 0", "Title 1", "Title 2"]
    assert [e.order_key for e in added] == [append_key(1), append_key(2), append_key(3)]
    e0 = added[0]
    assert (e0.playlist_id, e0.guild_id, e0.added_by, e0.norm_key) == (pid, G1, OWNER, "artist 0 - title 0")
    assert e0.track.album == "Album" and e0.track.duration_s == 180 and e0.track.mbid is None
    assert e0.added_at == at(0)
    more = await storage.entries.append(G1, pid, new_entries(2, start=3), max_tracks=BIG, at=at(10))
    assert [e.order_key for e in more] == [append_key(4), append_key(5)]
    entries = await assert_consistent(storage, G1, pid)
    assert entries == added + more
    p = await storage.playlists.get(G1, pid)
    assert p is not None and p.track_count == 5 and p.revision == 2 and p.updated_at == at(10)
    assert await storage.entries.append(G1, pid, [], max_tracks=BIG, at=at()) == []


async def test_pages_positions_and_lookups(storage: Storage) -> None:
    pid = await playlist_with(storage, 25)
    pl = storage.entries
    assert titles(await pl.page(G1, pid, offset=0, limit=10)) == [f"Title {i}" for i in range(10)]
    assert titles(await pl.page(G1, pid, offset=20, limit=10)) == [f"Title {i}" for i in range(20, 25)]
    assert await pl.page(G1, pid, offset=30, limit=10) == []
    assert len(await pl.page(G1, pid, offset=5)) == 20
    e = await pl.entry_at(G1, pid, 7)
    assert e is not None and e.track.title == "Title 6"
    assert await pl.entry_at(G1, pid, 0) is None
    assert await pl.entry_at(G1, pid, 26) is None
    assert await pl.get(G1, pid, e.id) == e
    assert await pl.position_of(G1, pid, e.id) == 7
    assert await pl.get(G1, pid, "0" * 24) is None
    assert await pl.position_of(G1, pid, "0" * 24) is None


async def test_append_limit(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    await storage.entries.append(G1, pid, new_entries(3), max_tracks=5, at=at())
    with pytest.raises(LimitExceeded) as info:
        await storage.entries.append(G1, pid, new_entries(3), max_tracks=5, at=at())
    assert info.value.user_message == "This playlist is full (5 tracks)."
    await storage.entries.append(G1, pid, new_entries(2), max_tracks=5, at=at())
    with pytest.raises(LimitExceeded):
        await storage.entries.append(G1, pid, new_entries(1), max_tracks=5, at=at())
    assert len(await assert_consistent(storage, G1, pid)) == 5
    with pytest.raises(NotFound):
        await storage.entries.append(G1, "0" * 24, new_entries(1), max_tracks=5, at=at())


async def test_remove_returns_what_was_removed(storage: Storage) -> None:
    pid = await playlist_with(storage, 5)
    entries = await storage.entries.page(G1, pid)
    gone = await storage.entries.remove(G1, pid, [entries[3].id, entries[1].id, entries[1].id, "0" * 24], at=at(5))
    assert gone == [entries[1], entries[3]]
    assert await storage.entries.remove(G1, pid, [entries[1].id], at=at(6)) == []
    assert await storage.entries.remove(G1, pid, [], at=at(6)) == []
    left = await assert_consistent(storage, G1, pid)
    assert titles(left) == ["Title 0", "Title 2", "Title 4"]


async def test_reinsert_keeps_ids_and_keys(storage: Storage) -> None:
    pid = await playlist_with(storage, 5)
    entries = await storage.entries.page(G1, pid)
    gone = await storage.entries.remove(G1, pid, [entries[1].id, entries[3].id], at=at(1))
    back = await storage.entries.reinsert(G1, pid, gone, max_tracks=BIG, at=at(2))
    assert back == gone
    assert await assert_consistent(storage, G1, pid) == entries
    again = await storage.entries.reinsert(G1, pid, gone, max_tracks=BIG, at=at(3))  # repeated undo: no duplicates
    assert again == []
    assert await assert_consistent(storage, G1, pid) == entries


async def test_reinsert_limit_and_taken_key(storage: Storage) -> None:
    pid = await playlist_with(storage, 3)
    entries = await storage.entries.page(G1, pid)
    gone = await storage.entries.remove(G1, pid, [entries[1].id], at=at(1))
    await storage.entries.append(G1, pid, new_entries(1, start=10), max_tracks=BIG, at=at(2))
    with pytest.raises(LimitExceeded):
        await storage.entries.reinsert(G1, pid, gone, max_tracks=3, at=at(3))
    # someone moved an entry onto the removed one's key meanwhile: it comes back right after it
    last = (await storage.entries.page(G1, pid))[-1]
    await storage.entries.set_order_key(G1, pid, last.id, gone[0].order_key, at=at(4))
    back = await storage.entries.reinsert(G1, pid, gone, max_tracks=BIG, at=at(5))
    assert back[0].id == gone[0].id and back[0].order_key > gone[0].order_key
    after = await assert_consistent(storage, G1, pid)
    assert titles(after) == ["Title 0", "Title 10", "Title 1", "Title 2"]


@pytest.mark.parametrize(
    ("source", "to", "expected"),
    [
        (1, 3, "BCADE"),
        (5, 1, "EABCD"),
        (2, 5, "ACDEB"),
        (2, 99, "ACDEB"),  # clamped to the end
        (4, 0, "DABCE"),  # clamped to the start
        (3, 3, "ABCDE"),  # already there
        (1, 2, "BACDE"),
        (5, 4, "ABCED"),
    ],
)
async def test_move_to_final_position(storage: Storage, source: int, to: int, expected: str) -> None:
    pid = await playlist_with(storage, 5)
    entries = await storage.entries.page(G1, pid)
    letter = {e.id: "ABCDE"[i] for i, e in enumerate(entries)}
    result = await storage.entries.move(G1, pid, entries[source - 1].id, to, at=at(1))
    moved = result.entry
    assert result.position == expected.index("ABCDE"[source - 1]) + 1
    assert moved.id == entries[source - 1].id and moved.track == entries[source - 1].track
    after = await assert_consistent(storage, G1, pid)
    assert "".join(letter[e.id] for e in after) == expected
    assert await storage.entries.position_of(G1, pid, moved.id) == expected.index("ABCDE"[source - 1]) + 1


async def test_moves_then_appends_stay_after(storage: Storage) -> None:
    pid = await playlist_with(storage, 3)
    entries = await storage.entries.page(G1, pid)
    await storage.entries.move(G1, pid, entries[0].id, 3, at=at(1))
    await storage.entries.move(G1, pid, entries[1].id, 3, at=at(2))
    await storage.entries.append(G1, pid, new_entries(1, start=3), max_tracks=BIG, at=at(3))
    assert titles(await assert_consistent(storage, G1, pid)) == ["Title 2", "Title 0", "Title 1", "Title 3"]
    with pytest.raises(NotFound):
        await storage.entries.move(G1, pid, "0" * 24, 1, at=at(4))


async def test_set_order_key_restores_a_move(storage: Storage) -> None:
    pid = await playlist_with(storage, 4)
    entries = await storage.entries.page(G1, pid)
    moved = (await storage.entries.move(G1, pid, entries[0].id, 4, at=at(1))).entry
    back = await storage.entries.set_order_key(G1, pid, moved.id, entries[0].order_key, at=at(2))
    assert back.order_key == entries[0].order_key
    assert await assert_consistent(storage, G1, pid) == entries
    same = await storage.entries.set_order_key(G1, pid, moved.id, entries[0].order_key, at=at(3))
    assert same == entries[0]
    # taken: the nearest free key after it, before the next entry
    taken = await storage.entries.set_order_key(G1, pid, entries[3].id, entries[1].order_key, at=at(4))
    assert entries[1].order_key < taken.order_key < entries[2].order_key
    assert titles(await assert_consistent(storage, G1, pid)) == ["Title 0", "Title 1", "Title 3", "Title 2"]
    with pytest.raises(NotFound):
        await storage.entries.set_order_key(G1, pid, "0" * 24, "5", at=at(5))


async def test_guild_isolation_for_entry_methods(storage: Storage) -> None:
    pid = await playlist_with(storage, 3)
    pl = storage.entries
    entries = await pl.page(G1, pid)
    e = entries[0]
    assert await pl.page(G2, pid) == []
    assert await pl.entry_at(G2, pid, 1) is None
    assert await pl.get(G2, pid, e.id) is None
    assert await pl.position_of(G2, pid, e.id) is None
    for call in (
        pl.remove(G2, pid, [e.id], at=at()),  # another guild's playlist is not there for it
        pl.append(G2, pid, new_entries(1), max_tracks=BIG, at=at()),
        pl.reinsert(G2, pid, [e], max_tracks=BIG, at=at()),
        pl.move(G2, pid, e.id, 3, at=at()),
        pl.set_order_key(G2, pid, e.id, "zz", at=at()),
    ):
        with pytest.raises(NotFound):
            await call
    assert await assert_consistent(storage, G1, pid) == entries
    # an entry id of one playlist is unknown in another playlist of the same guild
    other = await playlist_with(storage, 1, "Other")
    assert await pl.get(G1, other, e.id) is None
    assert await pl.remove(G1, other, [e.id], at=at()) == []
    with pytest.raises(NotFound):
        await pl.move(G1, other, e.id, 1, at=at())
    assert await assert_consistent(storage, G1, pid) == entries


async def test_find_key_is_the_first_entry_with_that_normalized_key(storage: Storage) -> None:
    pid = await playlist_with(storage, 4)
    pl = storage.entries
    again = await pl.append(G1, pid, new_entries(2, start=1), max_tracks=BIG, at=at(5))  # Title 1, 2 again at 5, 6
    found = await pl.find_key(G1, pid, "artist 1 - title 1")
    assert found is not None and found[0] == 2 and found[1].track.title == "Title 1"
    assert found[1].id != again[0].id  # the first one, not the later copy
    assert await pl.find_key(G1, pid, "artist 9 - title 9") is None
    assert await pl.find_key(G2, pid, "artist 1 - title 1") is None  # another server's view of the playlist
