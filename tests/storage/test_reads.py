"""Contract: totals and search computed by the store (stats, find_entries), on every backend."""

from __future__ import annotations

from bot.domain.models import NewEntry, Track
from bot.domain.ports.storage import PlaylistStats, Storage
from tests.storage.helpers import BIG, G1, G2, OWNER, at, new_entries, playlist_with


def entry(artist: str, title: str, *, by: int = OWNER, seconds: int | None = None) -> NewEntry:
    return NewEntry(
        track=Track(artist=artist, title=title, duration_s=seconds), norm_key="k", added_by=by, added_at=at()
    )


async def test_stats_totals_durations_and_contributors(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    pl = storage.entries
    assert await pl.stats(G1, pid) == PlaylistStats()
    await pl.append(G1, pid, new_entries(3), max_tracks=BIG, at=at())  # 180 + 181 + 182 s, by OWNER
    extra = [entry("A", "no length", by=7), entry("B", "zero", by=7, seconds=0), entry("C", "x", by=5, seconds=60)]
    await pl.append(G1, pid, extra, max_tracks=BIG, at=at())
    stats = await pl.stats(G1, pid)
    assert stats.total == 6
    assert stats.total_duration_s == 180 + 181 + 182 + 60
    assert stats.unknown_durations == 2
    assert stats.contributors == ((OWNER, 3), (7, 2), (5, 1))
    assert await pl.stats(G2, pid) == PlaylistStats()  # another guild sees nothing


async def test_find_entries_with_positions_case_insensitively(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    pl = storage.entries
    tracks = [entry("Beyoncé", "Halo"), entry("Daft Punk", "One More Time"), entry("BEYONCÉ", "Crazy in Love")]
    await pl.append(G1, pid, tracks, max_tracks=BIG, at=at())
    found = await pl.find(G1, pid, "beyoncé")
    assert [(pos, e.track.title) for pos, e in found] == [(1, "Halo"), (3, "Crazy in Love")]
    assert [pos for pos, _ in await pl.find(G1, pid, "punk - one")] == [2]
    assert [pos for pos, _ in await pl.find(G1, pid, "", limit=2)] == [1, 2]
    assert await pl.find(G1, pid, "nothing like this") == []
    assert await pl.find(G2, pid, "") == []  # another guild sees nothing


async def test_find_entries_positions_follow_moves(storage: Storage) -> None:
    pid = await playlist_with(storage, 5)
    pl = storage.entries
    last = await pl.entry_at(G1, pid, 5)
    assert last is not None
    await pl.move(G1, pid, last.id, 1, at=at())
    assert [(pos, e.track.title) for pos, e in await pl.find(G1, pid, "title 4")] == [(1, "Title 4")]
    assert [pos for pos, _ in await pl.find(G1, pid, "title 0")] == [2]


async def test_duplicates_are_later_entries_of_a_norm_key(storage: Storage) -> None:
    pid = await playlist_with(storage, 0)
    pl = storage.entries

    def keyed(title: str, key: str) -> NewEntry:
        return NewEntry(track=Track(artist="A", title=title), norm_key=key, added_by=OWNER, added_at=at())

    await pl.append(
        G1, pid, [keyed("a1", "a"), keyed("b1", "b"), keyed("a2", "a"), keyed("a3", "a")], max_tracks=BIG, at=at()
    )
    await pl.append(G1, pid, [keyed("b2", "b")], max_tracks=BIG, at=at())
    b2 = await pl.entry_at(G1, pid, 5)
    assert b2 is not None
    await pl.move(G1, pid, b2.id, 1, at=at())  # b2 now comes before b1
    assert [e.track.title for e in await pl.duplicates(G1, pid)] == ["b1", "a2", "a3"]
    assert await pl.duplicates(G2, pid) == []
