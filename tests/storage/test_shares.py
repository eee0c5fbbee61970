"""Share pages on both stores: the token per playlist, revocation, the trash, privacy settings, the audit events and
undo."""

from __future__ import annotations

import base64
import math
from datetime import timedelta

import pytest

from bot.domain.errors import Forbidden, NotFound
from bot.domain.models import EventAction, Track
from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.services.playlists import PlaylistService
from bot.domain.services.share import ShareService
from tests.conftest import FakeClock

OWNER, OTHER, MANAGER_ROLE = 11, 22, 99


def actor(user_id: int, *, manage: bool = False, roles: frozenset[int] = frozenset()) -> Actor:
    return Actor(
        guild_id=1, user_id=user_id, role_ids=roles, manage_guild=manage, manager_role_ids=frozenset({MANAGER_ROLE})
    )


@pytest.fixture
def services(storage: Storage, clock: FakeClock) -> tuple[PlaylistService, ShareService]:
    playlists = PlaylistService(storage, clock=clock)
    return playlists, ShareService(storage, playlists, clock=clock, public_url="https://share.example/")


async def _shared(services: tuple[PlaylistService, ShareService], name: str = "mix") -> str:
    playlists, shares = services
    await playlists.create(actor(OWNER), name)
    await playlists.add(actor(OWNER), name, [Track(artist="A", title="one", duration_s=60)])
    state = await shares.turn(actor(OWNER), name, on=True)
    assert state.changed and state.share is not None
    return state.share.token


def test_tokens_carry_at_least_128_random_bits() -> None:
    from bot.domain.ports.shares import new_token  # noqa: PLC0415

    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    # every character position varies: no fixed prefix, nothing derived from an id
    for position in range(len(next(iter(tokens)))):
        assert len({t[position] for t in tokens}) > 30
    # bits are balanced over the sample (a crude check that they are random, not counters)
    ones = sum(bin(b).count("1") for t in tokens for b in base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)))
    total = 2000 * 24 * 8
    assert abs(ones - total / 2) < 6 * math.sqrt(total / 4)


async def test_the_url_never_carries_an_id(services: tuple[PlaylistService, ShareService], storage: Storage) -> None:
    token = await _shared(services)
    playlists, shares = services
    playlist = await playlists.get(1, "mix")
    state = await shares.state(1, playlist)
    assert state.url == f"https://share.example/s/{token}"
    assert playlist.id not in token and len(token) >= 32  # only the random token: no playlist or server id


async def test_page_on_again_keeps_its_token_and_off_then_on_gives_a_new_one(
    services: tuple[PlaylistService, ShareService], storage: Storage
) -> None:
    _, shares = services
    token = await _shared(services)
    again = await shares.turn(actor(OWNER), "mix", on=True)
    assert not again.changed and again.share is not None and again.share.token == token
    assert await shares.page(token) is not None

    off = await shares.turn(actor(OWNER), "mix", on=False)
    assert off.changed and off.share is None
    assert await shares.page(token) is None  # dead at once
    assert await storage.shares.by_token(token) is None
    assert not (await shares.turn(actor(OWNER), "mix", on=False)).changed

    new = await shares.turn(actor(OWNER), "mix", on=True)
    assert new.share is not None and new.share.token != token
    assert await shares.page(token) is None
    page = await shares.page(new.share.token)
    assert page is not None and [e.track.title for e in page.entries] == ["one"]


async def test_a_trashed_playlist_has_no_page_until_restored(services: tuple[PlaylistService, ShareService]) -> None:
    playlists, shares = services
    token = await _shared(services)
    await playlists.delete(actor(OWNER), "mix")
    assert await shares.page(token) is None
    await playlists.restore(actor(OWNER), "mix")
    assert await shares.page(token) is not None


async def test_a_purged_or_deleted_playlist_leaves_no_share_behind(
    services: tuple[PlaylistService, ShareService], storage: Storage, clock: FakeClock
) -> None:
    playlists, shares = services
    token = await _shared(services, "purged")
    kept = await _shared(services, "kept")
    purged = await playlists.get(1, "purged")
    await playlists.delete(actor(OWNER), "purged")
    assert await storage.shares.get(1, purged.id) is not None  # the trash keeps it: a restore brings the page back
    assert await storage.playlists.purge_deleted(before=clock.now() + timedelta(seconds=1)) == 1
    assert await storage.shares.get(1, purged.id) is None
    assert await storage.shares.by_token(token) is None and await shares.page(token) is None
    assert await shares.page(kept) is not None
    # a server's data deleted at once: its pages go with its playlists
    gone = await playlists.get(1, "kept")
    assert await storage.playlists.delete_guild(1) == 1
    assert await storage.shares.get(1, gone.id) is None and await storage.shares.by_token(kept) is None


async def test_only_the_owner_and_managers_may_share(services: tuple[PlaylistService, ShareService]) -> None:
    playlists, shares = services
    await playlists.create(actor(OWNER), "mix")
    with pytest.raises(Forbidden):
        await shares.turn(actor(OTHER), "mix", on=True)
    assert (await shares.turn(actor(OTHER, roles=frozenset({MANAGER_ROLE})), "mix", on=True)).changed
    assert (await shares.turn(actor(OTHER, manage=True), "mix", on=False)).changed
    with pytest.raises(NotFound):
        await shares.turn(actor(OWNER), "nope", on=True)


async def test_indexing_is_opt_in(services: tuple[PlaylistService, ShareService]) -> None:
    _, shares = services
    token = await _shared(services)
    page = await shares.page(token)
    assert page is not None and not page.share.indexable
    state = await shares.turn(actor(OWNER), "mix", on=True, indexable=True)
    assert state.changed and state.share is not None and state.share.indexable and state.share.token == token
    page = await shares.page(token)
    assert page is not None and page.share.indexable


async def test_privacy_defaults_off_and_only_manage_server_changes_it(
    services: tuple[PlaylistService, ShareService], storage: Storage
) -> None:
    _, shares = services
    token = await _shared(services)
    privacy = await shares.privacy(1)
    assert not privacy.server_name and not privacy.member_names
    with pytest.raises(Forbidden):
        await shares.set_privacy(actor(OWNER, roles=frozenset({MANAGER_ROLE})), server_name=True)
    done = await shares.set_privacy(actor(OTHER, manage=True), server_name=True)
    assert done.server_name and not done.member_names
    done = await shares.set_privacy(actor(OTHER, manage=True), member_names=True)
    assert done.server_name and done.member_names
    page = await shares.page(token)
    assert page is not None and page.privacy == done
    # the guild's other settings are untouched, and other guilds see their own defaults
    assert (await storage.guilds.settings(1)).manager_role_ids == ()
    assert not (await storage.shares.privacy(2)).server_name


async def test_share_changes_are_audited_and_undoable(
    services: tuple[PlaylistService, ShareService], storage: Storage
) -> None:
    playlists, shares = services
    token = await _shared(services)
    events = await storage.events.list(1, limit=5)
    assert events[0].action is EventAction.SHARE and events[0].summary == "turned the public page on"
    await shares.turn(actor(OWNER), "mix", on=False)
    assert (await storage.events.list(1, limit=1))[0].summary == "turned the public page off"

    await playlists.undo(actor(OWNER))  # undoing "off" gives a page again, at a NEW address
    playlist = await playlists.get(1, "mix")
    back = await storage.shares.get(1, playlist.id)
    assert back is not None and back.token != token
    assert await shares.page(token) is None


async def test_revision_moves_with_share_changes(services: tuple[PlaylistService, ShareService]) -> None:
    playlists, shares = services
    await _shared(services)
    before = (await playlists.get(1, "mix")).revision
    await shares.turn(actor(OWNER), "mix", on=True, indexable=True)
    assert (await playlists.get(1, "mix")).revision == before + 1
