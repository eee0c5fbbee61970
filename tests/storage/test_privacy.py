"""Data rights on both stores: forget-me anonymizes a member everywhere, a removed server's data is deleted after
the grace period unless the bot is added back."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.models import Account, PlaylistMode
from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.services.playlists import PlaylistService
from bot.domain.services.privacy import PrivacyService
from tests.conftest import FakeClock

ALICE, BOB = 11, 22


def actor(user_id: int, guild_id: int = 1, *, manage: bool = False) -> Actor:
    return Actor(
        guild_id=guild_id, user_id=user_id, role_ids=frozenset(), manage_guild=manage, manager_role_ids=frozenset()
    )


async def test_forget_me_deletes_the_account_and_anonymizes_every_credit(storage: Storage, clock: FakeClock) -> None:
    playlists = PlaylistService(storage, clock=clock)
    privacy = PrivacyService(storage, clock=clock)
    await storage.accounts.link(Account(user_id=ALICE, lastfm_username="alice_fm", linked_at=clock.now()))
    for guild in (1, 2):  # forget-me is global: a user id is the same on every server
        await playlists.create(actor(ALICE, guild), "mine", mode=PlaylistMode.COLLABORATIVE)
        await playlists.add(actor(ALICE, guild), "mine", [_track("A", "one"), _track("B", "two")])
    await playlists.create(actor(BOB), "bobs", mode=PlaylistMode.COLLABORATIVE)
    await playlists.set_collaborator(actor(BOB), "bobs", user_id=ALICE, add=True)
    await playlists.add(actor(ALICE), "bobs", [_track("C", "three")])
    await playlists.add(actor(BOB), "bobs", [_track("D", "four")])
    await playlists.remove(actor(ALICE), "bobs", "1")  # the removed entry (credited to alice) is kept for undo

    done = await privacy.forget_member(ALICE)

    # tracks: 2 + 2 in her playlists (her track in "bobs" was removed)
    # events: 2 creates, 3 adds, 1 remove; playlists: 2 owned, 1 shared
    assert (done.account, done.tracks, done.events, done.playlists) == (True, 4, 6, 3)
    assert await storage.accounts.get(ALICE) is None
    for guild in (1, 2):
        mine = await playlists.get(guild, "mine")
        assert mine.owner_id == 0
        page = await playlists.page(guild, "mine", 1)
        assert {e.added_by for _, e in page.entries} == {0} and page.contributors == [(0, 2)]
        assert {e.actor_id for e in await storage.events.list(guild)} <= {0, BOB}
    bobs = await playlists.get(1, "bobs")
    assert bobs.owner_id == BOB and bobs.collaborator_user_ids == ()
    assert [e.added_by for _, e in (await playlists.page(1, "bobs", 1)).entries] == [BOB]
    removal = next(e for e in await storage.events.list(1) if e.action.value == "remove")
    assert removal.actor_id == 0 and [e["added_by"] for e in removal.data["entries"]] == [0]
    (made,) = [e for e in await storage.events.list(1) if e.action.value == "collaborators"]
    assert str(ALICE) not in made.summary and "a former member" in made.summary and made.data["user_id"] == 0
    again = await privacy.forget_member(ALICE)  # idempotent: nothing left to change
    assert (again.account, again.tracks, again.events, again.playlists) == (False, 0, 0, 0)


async def test_a_removed_servers_data_goes_after_the_grace_period(storage: Storage, clock: FakeClock) -> None:
    playlists = PlaylistService(storage, clock=clock)
    privacy = PrivacyService(storage, clock=clock, grace_days=30)
    for guild in (1, 2):
        await playlists.create(actor(ALICE, guild), "keep")
        await playlists.add(actor(ALICE, guild), "keep", [_track("A", "one")])
    await playlists.create(actor(ALICE), "trashed")
    await playlists.delete(actor(ALICE), "trashed")
    await storage.guilds.set_manager_role(1, 99, present=True)

    await privacy.server_removed(1)
    assert (await storage.guilds.settings(1)).removed_at == clock.now()
    clock.at += timedelta(days=30)
    assert await privacy.purge_removed_servers() == 0  # exactly 30 days: not yet
    clock.at += timedelta(seconds=1)
    assert await privacy.purge_removed_servers() == 1

    assert await playlists.playlists(1) == [] and await playlists.playlists(1, trash=True) == []
    assert await storage.events.list(1) == [] and await storage.entries.find(1, "0" * 24, "") == []
    assert (await storage.guilds.settings(1)).manager_role_ids == ()
    assert [p.name for p in await playlists.playlists(2)] == ["keep"]  # another server keeps everything
    assert (await playlists.page(2, "keep", 1)).total == 1


async def test_adding_the_bot_back_cancels_the_deletion(storage: Storage, clock: FakeClock) -> None:
    playlists = PlaylistService(storage, clock=clock)
    privacy = PrivacyService(storage, clock=clock, grace_days=1)
    await playlists.create(actor(ALICE), "keep")
    assert await privacy.server_added(1) is False  # nothing was pending
    await privacy.server_removed(1)
    clock.at += timedelta(hours=23)
    assert await privacy.server_added(1) is True
    clock.at += timedelta(days=5)
    assert await privacy.purge_removed_servers() == 0
    assert [p.name for p in await playlists.playlists(1)] == ["keep"]
    assert (await storage.guilds.settings(1)).removed_at is None
    assert await storage.guilds.delete(1, removed_before=clock.now()) is False  # the guard refuses a live server


def _track(artist: str, title: str):
    from bot.domain.models import Track  # noqa: PLC0415

    return Track(artist=artist, title=title)
