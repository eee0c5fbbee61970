"""The playlist service over a real SQLite store: permissions, limits, names, dedupe, undo."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound
from bot.domain.models import EventAction, PlaylistMode, Track
from bot.domain.permissions import Actor
from bot.domain.services.playlists import Limits, PlaylistService

G, OTHER_G = 1001, 2002
OWNER, ALICE, BOB, MOD = 11, 12, 13, 14
DJ_ROLE, MANAGER_ROLE = 501, 502


def actor(user: int, *roles: int, guild: int = G, manage: bool = False) -> Actor:
    return Actor(
        guild_id=guild,
        user_id=user,
        role_ids=frozenset(roles),
        manage_guild=manage,
        manager_role_ids=frozenset({MANAGER_ROLE}),
    )


def t(artist: str, title: str, duration: int | None = None) -> Track:
    return Track(artist=artist, title=title, duration_s=duration)


@pytest.fixture
def service(sqlite_storage, clock) -> PlaylistService:
    return PlaylistService(sqlite_storage, limits=Limits(max_tracks=5, max_playlists=3, trash_days=30), clock=clock)


async def titles(service: PlaylistService, name: str, guild: int = G) -> list[str]:
    page = await service.page(guild, name, 1, size=100)
    return [e.track.title for _, e in page.entries]


# -- names ------------------------------------------------------------------------------------------------------


async def test_names_are_unique_per_server_case_insensitively(service):
    await service.create(actor(OWNER), "Chill")
    with pytest.raises(Conflict) as e:
        await service.create(actor(ALICE), "  chill ")
    assert "already exists" in e.value.user_message
    other = await service.create(actor(OWNER, guild=OTHER_G), "chill")  # another server may use it
    assert other.guild_id == OTHER_G


@pytest.mark.parametrize("bad", ["", "   ", "x" * 101, "a\u0000b"])
async def test_bad_names_are_refused_and_nothing_is_created(service, bad):
    with pytest.raises(InvalidInput):
        await service.create(actor(OWNER), bad)
    assert await service.playlists(G) == []


async def test_rename_to_a_taken_name_conflicts_and_keeps_both(service):
    await service.create(actor(OWNER), "a")
    await service.create(actor(OWNER), "b")
    with pytest.raises(Conflict):
        await service.rename(actor(OWNER), "a", "B")
    assert sorted(p.name for p in await service.playlists(G)) == ["a", "b"]


# -- permissions ------------------------------------------------------------------------------------------------

EDIT_MATRIX = [
    # mode, who, may edit tracks
    (PlaylistMode.OPEN, actor(ALICE), True),
    (PlaylistMode.COLLABORATIVE, actor(ALICE), False),
    (PlaylistMode.COLLABORATIVE, actor(BOB), True),  # named collaborator
    (PlaylistMode.COLLABORATIVE, actor(ALICE, DJ_ROLE), True),  # collaborator role
    (PlaylistMode.COLLABORATIVE, actor(MOD, manage=True), True),
    (PlaylistMode.LOCKED, actor(BOB), False),
    (PlaylistMode.LOCKED, actor(ALICE, DJ_ROLE), False),
    (PlaylistMode.LOCKED, actor(MOD, MANAGER_ROLE), True),  # configured manager role
    (PlaylistMode.LOCKED, actor(OWNER), True),
]


@pytest.mark.parametrize(("mode", "who", "allowed"), EDIT_MATRIX)
async def test_track_edit_permissions(service, mode, who, allowed):
    await service.create(actor(OWNER), "mix", mode=mode)
    await service.set_collaborator(actor(OWNER), "mix", user_id=BOB, add=True)
    await service.set_collaborator(actor(OWNER), "mix", role_id=DJ_ROLE, add=True)
    if allowed:
        await service.add(who, "mix", [t("A", "x")])
        assert await titles(service, "mix") == ["x"]
    else:
        with pytest.raises(Forbidden):
            await service.add(who, "mix", [t("A", "x")])
        assert await titles(service, "mix") == []


@pytest.mark.parametrize(
    "op",
    [
        lambda s, a: s.rename(a, "mix", "new"),
        lambda s, a: s.describe(a, "mix", "d"),
        lambda s, a: s.set_mode(a, "mix", PlaylistMode.OPEN),
        lambda s, a: s.set_collaborator(a, "mix", user_id=ALICE, add=True),
        lambda s, a: s.delete(a, "mix"),
    ],
)
async def test_settings_belong_to_the_owner_and_managers(service, op):
    await service.create(actor(OWNER), "mix", mode=PlaylistMode.COLLABORATIVE)
    await service.set_collaborator(actor(OWNER), "mix", user_id=BOB, add=True)
    with pytest.raises(Forbidden):
        await op(service, actor(BOB))  # a collaborator edits tracks, not settings
    await op(service, actor(MOD, manage=True))


async def test_another_server_cannot_see_or_touch_a_playlist(service):
    await service.create(actor(OWNER), "mine")
    intruder = actor(OWNER, guild=OTHER_G, manage=True)
    for op in (
        service.add(intruder, "mine", [t("A", "B")]),
        service.delete(intruder, "mine"),
        service.rename(intruder, "mine", "theirs"),
        service.page(OTHER_G, "mine", 1),
    ):
        with pytest.raises(NotFound):
            await op
    assert (await service.get(G, "mine")).name == "mine"


# -- limits -----------------------------------------------------------------------------------------------------


async def test_playlist_limit_per_server(service):
    for n in range(3):
        await service.create(actor(OWNER), f"p{n}")
    with pytest.raises(LimitExceeded):
        await service.create(actor(OWNER), "p3")
    await service.delete(actor(OWNER), "p0")  # the trash does not count
    await service.create(actor(OWNER), "p3")


async def test_track_limit_holds_under_concurrency(service):
    await service.create(actor(OWNER), "mix")
    results = await asyncio.gather(
        *(service.add(actor(OWNER), "mix", [t("A", f"t{n}")]) for n in range(12)), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, LimitExceeded)]
    assert len(refused) == 7
    assert "full" in refused[0].user_message
    assert len(await titles(service, "mix")) == 5
    assert (await service.get(G, "mix")).track_count == 5


# -- tracks -----------------------------------------------------------------------------------------------------


async def test_add_remove_move_and_page(service):
    await service.create(actor(OWNER), "mix")
    for n in range(4):
        await service.add(actor(ALICE), "mix", [t("A", f"t{n}", 100 + n)])
    await service.move(actor(ALICE), "mix", "4", 1)
    assert await titles(service, "mix") == ["t3", "t0", "t1", "t2"]
    removed = await service.remove(actor(ALICE), "mix", "2")
    assert removed.track.title == "t0"
    page = await service.page(G, "mix", 1, size=2)
    assert (page.total, page.pages, page.total_duration_s) == (3, 2, 103 + 101 + 102)
    assert page.contributors == [(ALICE, 3)]
    with pytest.raises(NotFound):
        await service.remove(actor(ALICE), "mix", "9")


async def test_dedupe_removes_normalized_duplicates_keeping_the_first(service):
    await service.create(actor(OWNER), "mix")
    tracks = [
        t("Daft Punk", "One More Time"),
        t("Calvin Harris", "Feel So Close"),
        t("daft punk", "ONE  MORE TIME"),
        t("Calvin Harris", "Feel So Close (feat. Someone)"),
        t("Daft Punk", "Digital Love"),
    ]
    await service.add(actor(OWNER), "mix", tracks)
    removed = await service.dedupe(actor(OWNER), "mix")
    assert [e.track.title for e in removed] == ["ONE  MORE TIME", "Feel So Close (feat. Someone)"]
    assert await titles(service, "mix") == ["One More Time", "Feel So Close", "Digital Love"]
    assert await service.dedupe(actor(OWNER), "mix") == []


# -- undo and history -------------------------------------------------------------------------------------------


async def test_undo_reverts_each_kind_of_change(service):
    await service.create(actor(OWNER), "mix")
    await service.add(actor(OWNER), "mix", [t("A", "a"), t("A", "b"), t("A", "c")])
    await service.move(actor(OWNER), "mix", "3", 1)
    assert await titles(service, "mix") == ["c", "a", "b"]
    await service.undo(actor(OWNER))
    assert await titles(service, "mix") == ["a", "b", "c"]
    await service.remove(actor(OWNER), "mix", "2")
    await service.undo(actor(OWNER))
    assert await titles(service, "mix") == ["a", "b", "c"]
    await service.rename(actor(OWNER), "mix", "renamed")
    await service.undo(actor(OWNER))
    assert (await service.get(G, "mix")).name == "mix"
    await service.delete(actor(OWNER), "mix")
    await service.undo(actor(OWNER))
    assert await titles(service, "mix") == ["a", "b", "c"]
    await service.undo(actor(OWNER))  # the add of three tracks
    assert await titles(service, "mix") == []


async def test_undo_is_per_member_and_managers_can_undo_anyone(service):
    await service.create(actor(OWNER), "mix")
    await service.add(actor(ALICE), "mix", [t("A", "alice")])
    await service.add(actor(BOB), "mix", [t("B", "bob")])
    await service.undo(actor(ALICE))  # Alice's last change, not Bob's newer one
    assert await titles(service, "mix") == ["bob"]
    with pytest.raises(Forbidden):
        await service.undo(actor(ALICE), user_id=BOB)
    await service.undo(actor(MOD, manage=True), user_id=BOB)
    assert await titles(service, "mix") == []
    with pytest.raises(NotFound):
        await service.undo(actor(BOB))


async def test_concurrent_undos_of_one_change_apply_once(service):
    await service.create(actor(OWNER), "mix")
    await service.add(actor(OWNER), "mix", [t("A", "keep")])
    await service.remove(actor(OWNER), "mix", "1")
    results = await asyncio.gather(*(service.undo(actor(OWNER), "mix") for _ in range(5)), return_exceptions=True)
    assert sum(not isinstance(r, Exception) for r in results) >= 1
    assert await titles(service, "mix") == ["keep"]


async def test_history_lists_changes_newest_first(service, clock):
    await service.create(actor(OWNER), "mix")
    clock.advance(minutes=1)
    await service.add(actor(ALICE), "mix", [t("A", "a")])
    events = await service.history(G, "mix")
    assert [e.action for e in events] == [EventAction.ADD, EventAction.CREATE]
    assert events[0].actor_id == ALICE and "A - a" in events[0].summary


async def test_trash_is_emptied_after_the_configured_days(service, clock):
    await service.create(actor(OWNER), "old")
    await service.add(actor(OWNER), "old", [t("A", "a")])
    await service.delete(actor(OWNER), "old")
    clock.advance(days=29)
    assert await service.purge_trash() == 0
    clock.advance(days=2)
    assert await service.purge_trash() == 1
    with pytest.raises(NotFound):
        await service.restore(actor(OWNER), "old")


async def test_an_undo_that_cannot_apply_stays_undoable(service):
    await service.create(actor(OWNER), "mix")
    await service.rename(actor(OWNER), "mix", "party")
    await service.create(actor(ALICE), "mix")  # the old name is taken now
    with pytest.raises(Conflict):
        await service.undo(actor(OWNER), "party")
    await service.rename(actor(ALICE), "mix", "other")  # the name is free again
    undone = await service.undo(actor(OWNER), "party")
    assert undone.action is EventAction.RENAME
    assert (await service.get(G, "mix")).owner_id == OWNER
