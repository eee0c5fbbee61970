"""Builders for the storage contract tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.models import Entry, NewEntry, NewPlaylist, Track
from bot.domain.ports.storage import Storage

T0 = datetime(2025, 6, 1, 12, 0, 0, 123000, tzinfo=UTC)
G1, G2 = 111_111_111_111_111_111, 222_222_222_222_222_222
OWNER = 333_333_333_333_333_333
BIG = 10_000


def at(seconds: float = 0) -> datetime:
    return T0 + timedelta(seconds=seconds)


def new_playlist(name: str = "Road Trip", guild_id: int = G1, owner_id: int = OWNER) -> NewPlaylist:
    return NewPlaylist(guild_id=guild_id, name=name, name_key=name.casefold(), owner_id=owner_id, created_at=T0)


def new_entries(n: int, start: int = 0) -> list[NewEntry]:
    return [
        NewEntry(
            track=Track(
                artist=f"Artist {i}", title=f"Title {i}", album="Album", duration_s=180 + i, url=f"https://x/{i}"
            ),
            norm_key=f"artist {i} - title {i}",
            added_by=OWNER,
            added_at=at(i),
        )
        for i in range(start, start + n)
    ]


def titles(entries: list[Entry]) -> list[str]:
    return [e.track.title for e in entries]


async def playlist_with(storage: Storage, n: int, name: str = "Road Trip", guild_id: int = G1) -> str:
    p = await storage.playlists.create(new_playlist(name, guild_id), max_per_guild=BIG)
    if n:
        await storage.entries.append(guild_id, p.id, new_entries(n), max_tracks=BIG, at=at())
    return p.id


async def assert_consistent(storage: Storage, guild_id: int, playlist_id: str) -> list[Entry]:
    """track_count equals the rows, keys are distinct and in order, ids are distinct."""
    entries = await storage.entries.page(guild_id, playlist_id)
    p = await storage.playlists.get(guild_id, playlist_id)
    assert p is not None
    keys = [e.order_key for e in entries]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    assert len({e.id for e in entries}) == len(entries)
    assert p.track_count == len(entries)
    return entries
