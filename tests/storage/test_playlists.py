"""Contract: playlists (create, read, update, collaborators, trash, restore, purge), run on every backend."""

from __future__ import annotations

import pytest

from bot.domain.errors import Conflict, LimitExceeded, NotFound
from bot.domain.models import Playlist, PlaylistMode
from bot.domain.ports.storage import Storage
from bot.domain.text import plain
from tests.storage.helpers import BIG, G1, G2, OWNER, T0, at, new_entries, new_playlist, playlist_with


async def test_create_and_get(storage: Storage) -> None:
    p = await storage.playlists.create(new_playlist("Road Trip"), max_per_guild=BIG)
    assert isinstance(p, Playlist)
    assert (p.guild_id, p.name, p.name_key, p.owner_id, p.mode) == (
        G1,
        "Road Trip",
        "road trip",
        OWNER,
        PlaylistMode.OPEN,
    )
    assert (p.track_count, p.revision, p.deleted_at) == (0, 0, None)
    assert p.created_at == p.updated_at == T0
    assert p.created_at.tzinfo is not None and p.created_at.utcoffset().total_seconds() == 0
    assert len(p.id) == 24 and isinstance(p.id, str)
    assert await storage.playlists.get(G1, p.id) == p
    assert await storage.playlists.get_by_name(G1, "road trip") == p
    assert await storage.playlists.get(G1, "0" * 24) is None
    assert await storage.playlists.get_by_name(G1, "nope") is None


async def test_create_conflict_is_case_insensitive_and_live_only(storage: Storage) -> None:
    first = await storage.playlists.create(new_playlist("Road Trip"), max_per_guild=BIG)
    with pytest.raises(Conflict) as info:
        await storage.playlists.create(new_playlist("ROAD TRIP"), max_per_guild=BIG)
    assert plain(info.value.user_message) == 'A playlist named "ROAD TRIP" already exists on this server.'
    await storage.playlists.create(new_playlist("Road Trip", guild_id=G2), max_per_guild=BIG)  # other guild: fine
    await storage.playlists.soft_delete(G1, first.id, at=at(1))
    again = await storage.playlists.create(new_playlist("road trip"), max_per_guild=BIG)  # trash does not block
    assert again.id != first.id
    # the conflict leaves no reserved slot behind
    assert len(await storage.playlists.list(G1)) == 1


async def test_max_per_guild(storage: Storage) -> None:
    for i in range(3):
        await storage.playlists.create(new_playlist(f"p{i}"), max_per_guild=3)
    with pytest.raises(LimitExceeded):
        await storage.playlists.create(new_playlist("p3"), max_per_guild=3)
    await storage.playlists.create(new_playlist("p3", guild_id=G2), max_per_guild=3)  # per guild
    with pytest.raises(Conflict):  # a failed create does not use up a slot
        await storage.playlists.create(new_playlist("p0"), max_per_guild=4)
    p = await storage.playlists.create(new_playlist("p4"), max_per_guild=4)
    await storage.playlists.soft_delete(G1, p.id, at=at())  # trashed ones do not count
    await storage.playlists.create(new_playlist("p5"), max_per_guild=4)


async def test_list_orders_filters_and_limits(storage: Storage) -> None:
    for name in ["beta", "Alpha", "alpine", "gamma", "al"]:
        await storage.playlists.create(new_playlist(name), max_per_guild=BIG)
    await storage.playlists.create(new_playlist("alps", guild_id=G2), max_per_guild=BIG)
    assert [p.name_key for p in await storage.playlists.list(G1)] == ["al", "alpha", "alpine", "beta", "gamma"]
    assert [p.name_key for p in await storage.playlists.list(G1, prefix="alp")] == ["alpha", "alpine"]
    assert [p.name_key for p in await storage.playlists.list(G1, limit=2)] == ["al", "alpha"]
    assert await storage.playlists.list(G1, prefix="z") == []
    gamma = await storage.playlists.get_by_name(G1, "gamma")
    assert gamma is not None
    await storage.playlists.soft_delete(G1, gamma.id, at=at(1))
    assert [p.name_key for p in await storage.playlists.list(G1, deleted=True)] == ["gamma"]
    assert "gamma" not in [p.name_key for p in await storage.playlists.list(G1)]


async def test_update_fields_and_revision(storage: Storage) -> None:
    p = await storage.playlists.create(new_playlist("Road Trip"), max_per_guild=BIG)
    other = await storage.playlists.create(new_playlist("Other"), max_per_guild=BIG)
    u = await storage.playlists.update(G1, p.id, at=at(5), description="Long drives", mode=PlaylistMode.LOCKED)
    assert (u.description, u.mode, u.name, u.revision, u.updated_at) == (
        "Long drives",
        PlaylistMode.LOCKED,
        "Road Trip",
        1,
        at(5),
    )
    r = await storage.playlists.update(G1, p.id, at=at(6), name="Night Drive", name_key="night drive")
    assert (r.name, r.name_key, r.revision, r.description) == ("Night Drive", "night drive", 2, "Long drives")
    assert await storage.playlists.get_by_name(G1, "road trip") is None
    with pytest.raises(Conflict):
        await storage.playlists.update(G1, p.id, at=at(7), name="OTHER", name_key="other")
    await storage.playlists.soft_delete(G1, other.id, at=at(8))
    await storage.playlists.update(G1, p.id, at=at(9), name="Other", name_key="other")  # trashed name is free
    with pytest.raises(NotFound):
        await storage.playlists.update(G1, other.id, at=at(10), description="x")  # not live


async def test_collaborators_are_a_set(storage: Storage) -> None:
    p = await storage.playlists.create(new_playlist(), max_per_guild=BIG)
    pl = storage.playlists
    await pl.set_collaborator(G1, p.id, at=at(1), user_id=5, present=True)
    await pl.set_collaborator(G1, p.id, at=at(2), user_id=6, present=True)
    r = await pl.set_collaborator(G1, p.id, at=at(3), user_id=5, present=True)
    assert r.collaborator_user_ids == (5, 6)
    r = await pl.set_collaborator(G1, p.id, at=at(4), role_id=77, present=True)
    assert (r.collaborator_user_ids, r.collaborator_role_ids) == ((5, 6), (77,))
    r = await pl.set_collaborator(G1, p.id, at=at(5), user_id=5, present=False)
    r = await pl.set_collaborator(G1, p.id, at=at(6), user_id=99, present=False)
    assert (r.collaborator_user_ids, r.collaborator_role_ids, r.revision) == ((6,), (77,), 6)
    assert await pl.get(G1, p.id) == r
    with pytest.raises(ValueError, match="exactly one"):
        await pl.set_collaborator(G1, p.id, at=at(7), present=True)


async def test_soft_delete_restore(storage: Storage) -> None:
    p = await storage.playlists.create(new_playlist("Road Trip"), max_per_guild=BIG)
    d = await storage.playlists.soft_delete(G1, p.id, at=at(10))
    assert d.deleted_at == at(10)
    assert await storage.playlists.get_by_name(G1, "road trip") is None
    assert await storage.playlists.get_by_name(G1, "road trip", deleted=True) == d
    assert await storage.playlists.get(G1, p.id) == d  # by id, trashed too
    with pytest.raises(NotFound):
        await storage.playlists.soft_delete(G1, p.id, at=at(11))
    r = await storage.playlists.restore(G1, p.id, at=at(12), max_per_guild=BIG)
    assert r.deleted_at is None and r.revision == d.revision + 1
    with pytest.raises(NotFound):
        await storage.playlists.restore(G1, p.id, at=at(13), max_per_guild=BIG)


async def test_get_by_name_deleted_is_most_recent(storage: Storage) -> None:
    a = await storage.playlists.create(new_playlist("Mix"), max_per_guild=BIG)
    await storage.playlists.soft_delete(G1, a.id, at=at(1))
    b = await storage.playlists.create(new_playlist("Mix"), max_per_guild=BIG)
    await storage.playlists.soft_delete(G1, b.id, at=at(2))
    found = await storage.playlists.get_by_name(G1, "mix", deleted=True)
    assert found is not None and found.id == b.id


async def test_restore_conflict_and_limit(storage: Storage) -> None:
    old = await storage.playlists.create(new_playlist("Road Trip"), max_per_guild=BIG)
    await storage.playlists.soft_delete(G1, old.id, at=at(1))
    await storage.playlists.create(new_playlist("road trip"), max_per_guild=BIG)
    with pytest.raises(Conflict) as info:
        await storage.playlists.restore(G1, old.id, at=at(2), max_per_guild=BIG)
    assert '"Road Trip"' in plain(info.value.user_message)
    other = await storage.playlists.create(new_playlist("Other"), max_per_guild=BIG)
    await storage.playlists.soft_delete(G1, other.id, at=at(3))
    with pytest.raises(LimitExceeded):
        await storage.playlists.restore(G1, other.id, at=at(4), max_per_guild=1)
    restored = await storage.playlists.restore(G1, other.id, at=at(5), max_per_guild=2)  # failures kept no slot
    assert restored.deleted_at is None
    still = await storage.playlists.get(G1, old.id)
    assert still is not None and still.deleted_at is not None


async def test_purge_deleted_removes_entries(storage: Storage) -> None:
    old = await playlist_with(storage, 5, "Old")
    recent = await playlist_with(storage, 3, "Recent")
    live = await playlist_with(storage, 2, "Live")
    await storage.playlists.soft_delete(G1, old, at=at(10))
    await storage.playlists.soft_delete(G1, recent, at=at(100))
    assert await storage.playlists.purge_deleted(before=at(50)) == 1
    assert await storage.playlists.get(G1, old) is None
    assert await storage.entries.page(G1, old) == []
    assert len(await storage.entries.page(G1, recent)) == 3
    assert len(await storage.entries.page(G1, live)) == 2
    assert await storage.playlists.purge_deleted(before=at(50)) == 0
    # a purged playlist's name and slot are free
    await storage.playlists.create(new_playlist("Old"), max_per_guild=3)


async def test_guild_isolation_for_playlist_methods(storage: Storage) -> None:
    pid = await playlist_with(storage, 2, "Secret")
    pl = storage.playlists
    assert await pl.get(G2, pid) is None
    assert await pl.get_by_name(G2, "secret") is None
    assert await pl.list(G2) == []
    for call in (
        pl.update(G2, pid, at=at(), description="x"),
        pl.set_collaborator(G2, pid, at=at(), user_id=1, present=True),
        pl.soft_delete(G2, pid, at=at()),
    ):
        with pytest.raises(NotFound):
            await call
    await pl.soft_delete(G1, pid, at=at(1))
    assert await pl.get_by_name(G2, "secret", deleted=True) is None
    assert await pl.list(G2, deleted=True) == []
    with pytest.raises(NotFound):
        await pl.restore(G2, pid, at=at(2), max_per_guild=BIG)
    p = await pl.get(G1, pid)
    assert p is not None and p.deleted_at is not None and p.revision == 2  # untouched by G2's attempts
    await pl.restore(G1, pid, at=at(3), max_per_guild=BIG)


async def test_trashed_playlist_refuses_entry_writes(storage: Storage) -> None:
    pid = await playlist_with(storage, 2)
    first = (await storage.entries.page(G1, pid))[0]
    await storage.playlists.soft_delete(G1, pid, at=at(1))
    with pytest.raises(NotFound):
        await storage.entries.append(G1, pid, new_entries(1), max_tracks=BIG, at=at(2))
    with pytest.raises(NotFound):
        await storage.entries.move(G1, pid, first.id, 2, at=at(2))
    assert len(await storage.entries.page(G1, pid)) == 2  # still readable in the trash
