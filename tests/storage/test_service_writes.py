"""The playlist service on every adapter and write path (SQLite; MongoDB with transactions; MongoDB without, the
pending-event path): a change and its event are one write, undo on a trashed playlist is refused, the one-call
add use cases, and the round trips each use case costs (pinned, so they can't creep back)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.domain.errors import Forbidden, NotFound, UpstreamUnavailable
from bot.domain.models import EventAction, PlaylistMode, Track
from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.services.music import Resolved
from bot.domain.services.playlists import Limits, PlaylistService
from storage.mongo import connect_mongo
from storage.mongo import events as mongo_events
from tests.storage.backends import Backend, open_test_storage

G, OWNER, ALICE = 1001, 11, 12
PATHS = ("sqlite", "mongo", "mongo-tx")
MOD = Actor(guild_id=G, user_id=14, role_ids=frozenset(), manage_guild=True, manager_role_ids=frozenset())


def actor(user: int = OWNER) -> Actor:
    return Actor(guild_id=G, user_id=user, role_ids=frozenset(), manage_guild=False, manager_role_ids=frozenset())


@pytest.fixture(params=PATHS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "sqlite":
        async with open_test_storage(Backend.sqlite(tmp_path)) as s:
            yield s
        return
    backend = Backend.mongo(request.getfixturevalue("mongo_wire_uri"))
    assert backend.mongodb_uri is not None
    s = await connect_mongo(backend.mongodb_uri, backend.database, transactions=request.param == "mongo-tx")
    try:
        yield s
    finally:
        await s.close()
        await backend.drop()


@pytest.fixture
def service(store: Storage, clock: Any) -> PlaylistService:
    return PlaylistService(store, limits=Limits(max_tracks=50), clock=clock)


async def titles(service: PlaylistService, name: str) -> list[str]:
    return [e.track.title for _, e in (await service.page(G, name, 1, size=100)).entries]


# -- one write: a change never without its event, never "failed" when it happened ---------------------------------


def _break_event_writes(store: Storage, monkeypatch: pytest.MonkeyPatch, method: str) -> None:
    """Make the store's next event write fail the way a lost connection or a full disk would."""
    db = getattr(store.events, "_db")  # noqa: B009 - the adapter's own database object
    if hasattr(db, "transact"):  # SQLite: a real failing statement inside the change's transaction

        async def failing(fn: Any) -> Any:
            def with_trigger(conn: sqlite3.Connection) -> Any:
                conn.execute(
                    "CREATE TEMP TRIGGER fail_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk I/O'); END"
                )
                try:
                    return fn(conn)
                finally:
                    conn.execute("DROP TRIGGER IF EXISTS temp.fail_events")

            return await original(with_trigger)

        original = db.transact
        monkeypatch.setattr(db, "transact", failing)
        return
    monkeypatch.setattr(db.events, method, _raise)  # MongoDB: the command is lost on the way


async def test_an_event_that_cannot_be_written_takes_its_change_with_it(
    store: Storage, service: PlaylistService, monkeypatch: pytest.MonkeyPatch
) -> None:
    await service.create(actor(), "Mix")
    before = await store.events.list(G)
    _break_event_writes(store, monkeypatch, "insert_one")
    with pytest.raises((sqlite3.Error, ConnectionError)):
        await service.add(actor(), "Mix", [Track(artist="A", title="one")])
    monkeypatch.undo()
    assert await titles(service, "Mix") == []  # no change without its event
    assert (await service.get(G, "Mix")).track_count == 0
    assert await store.events.list(G) == before
    await service.add(actor(), "Mix", [Track(artist="A", title="one")])  # a retry adds it exactly once
    assert await titles(service, "Mix") == ["one"]


async def test_a_change_whose_confirmation_is_lost_is_still_a_success_with_its_event(
    store: Storage, service: PlaylistService, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["store"] != "mongo":
        pytest.skip("only the pending-event path confirms in a second write")
    await service.create(actor(), "Mix")
    _break_event_writes(store, monkeypatch, "update_one")  # the confirmation after the change
    _, added = await service.add(actor(), "Mix", [Track(artist="A", title="one")])  # not told "failed"
    monkeypatch.undo()
    assert await titles(service, "Mix") == ["one"]
    history = await store.events.list(G)  # the reader confirms it from the playlist's journal
    assert [e.action for e in history] == [EventAction.ADD, EventAction.CREATE]
    assert history[0].data["entry_ids"] == [added[0].id]
    assert (await service.undo(actor())).action is EventAction.ADD  # and undo sees it
    assert await titles(service, "Mix") == []


async def test_a_pending_event_of_a_change_that_never_happened_is_dropped(
    store: Storage, service: PlaylistService, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["store"] != "mongo":
        pytest.skip("only the pending-event path writes the event first")
    await service.create(actor(), "Mix")
    db = getattr(store.entries, "_db")  # noqa: B009
    monkeypatch.setattr(db.entries, "insert_many", _raise)  # the change fails after its event was written
    monkeypatch.setattr(db.events, "delete_one", _raise)  # and so does taking the pending event back
    with pytest.raises(ConnectionError):
        await service.add(actor(), "Mix", [Track(artist="A", title="one")])
    monkeypatch.undo()
    assert await db.events.count_documents({"pending": True}) == 1
    assert [e.action for e in await store.events.list(G)] == [EventAction.CREATE]  # in flight: left out
    monkeypatch.setattr(mongo_events, "PENDING_AGE", mongo_events.PENDING_AGE * 0)
    assert (await store.events.last_undoable(G)).action is EventAction.CREATE  # type: ignore[union-attr]
    assert await db.events.count_documents({"pending": True}) == 0  # too old and never applied: gone
    assert await titles(service, "Mix") == []


async def _raise(*args: Any, **kwargs: Any) -> Any:
    raise ConnectionError("connection lost")


# -- undo on a trashed playlist ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["add", "remove", "move", "rename", "mode"])
async def test_every_undo_on_a_trashed_playlist_is_refused(service: PlaylistService, change: str) -> None:
    await service.create(actor(), "Mix")
    await service.add(actor(), "Mix", [Track(artist="A", title="one"), Track(artist="B", title="two")])
    if change == "add":
        await service.add(actor(), "Mix", [Track(artist="C", title="three")])
    elif change == "remove":
        await service.remove(actor(), "Mix", "1")
    elif change == "move":
        await service.move(actor(), "Mix", "1", 2)
    elif change == "rename":
        await service.rename(actor(), "Mix", "Mix 2")
    else:
        await service.set_mode(actor(), "Mix", PlaylistMode.LOCKED)
    name = "Mix 2" if change == "rename" else "Mix"
    before = await titles(service, name)
    trashed = await service.delete(MOD, name)  # someone else trashes it: the member's last change stays undoable
    with pytest.raises(NotFound) as refused:
        await service.undo(actor())
    assert "/playlist restore" in refused.value.user_message
    await service.restore(MOD, name)
    assert await titles(service, name) == before  # nothing changed in the trash
    assert (await service.get(G, name)).id == trashed.id
    assert (await service.undo(actor())).action.value == change  # once restored, it undoes


# -- one service call per add -------------------------------------------------------------------------------------


@dataclass
class Tracks:
    """A track source that answers from a list and records what it was asked."""

    asked: list[str] = field(default_factory=list)

    async def resolve(self, typed: str) -> Resolved:
        self.asked.append(typed)
        artist, _, title = typed.partition(" - ")
        return Resolved(Track(artist=artist, title=title), verified=True)

    async def playing(self, user_id: int) -> Any:
        self.asked.append(f"playing {user_id}")
        raise UpstreamUnavailable()


async def test_add_typed_checks_permission_before_asking_for_the_track(store: Storage, clock: Any) -> None:
    tracks = Tracks()
    service = PlaylistService(store, clock=clock, tracks=tracks)
    await service.create(actor(), "Mine", mode=PlaylistMode.LOCKED)
    with pytest.raises(Forbidden):
        await service.add_typed(actor(ALICE), "Mine", "A - one")
    with pytest.raises(Forbidden):
        await service.add_playing(actor(ALICE), "Mine")
    assert tracks.asked == []
    added = await service.add_typed(actor(), "Mine", "A - one")
    assert added.playlist.name == "Mine" and [e.track.title for e in added.entries] == ["one"]
    assert isinstance(added.source, Resolved) and tracks.asked == ["A - one"]
    with pytest.raises(UpstreamUnavailable):  # no name: the playlist last added to, then the now playing
        await service.add_playing(actor(), None)
    assert tracks.asked[-1] == f"playing {OWNER}"


# -- round trips per use case -------------------------------------------------------------------------------------

# (statements or commands, trips to the store): SQLite counts SQL statements and thread hops; MongoDB commands.
# On main before one write per change: add 10 statements in 5 hops on SQLite (6 MongoDB commands), move 14
# statements (11 commands), show 4 hops.
EXPECTED: dict[str, dict[str, tuple[int, int]]] = {
    "sqlite": {"create": (5, 1), "add": (6, 2), "remove": (8, 3), "move": (10, 3), "show": (4, 2), "undo": (10, 3)},
    # without transactions a write costs the pending event and its confirmation, and a prediction of the result
    "mongo": {"create": (5, 5), "add": (5, 5), "remove": (8, 8), "move": (11, 11), "show": (3, 3), "undo": (9, 9)},
    "mongo-tx": {"create": (5, 5), "add": (5, 5), "remove": (7, 7), "move": (9, 9), "show": (3, 3), "undo": (9, 9)},
}


async def test_round_trips_per_use_case(
    store: Storage, service: PlaylistService, request: pytest.FixtureRequest
) -> None:
    path = request.node.callspec.params["store"]
    counts: dict[str, tuple[int, int]] = {}

    async def measure(name: str, call: Any) -> None:
        store.io.reset()
        await call
        counts[name] = (store.io.statements, store.io.round_trips)

    await measure("create", service.create(actor(), "Mix"))
    await service.add(actor(), "Mix", [Track(artist="A", title=f"t{i}") for i in range(5)])
    await measure("add", service.add(actor(), "Mix", [Track(artist="B", title="new")]))
    await measure("remove", service.remove(actor(), "Mix", "2"))
    await measure("move", service.move(actor(), "Mix", "1", 3))
    await measure("show", service.page(G, "Mix", 1))
    await measure("undo", service.undo(actor()))
    assert counts == EXPECTED[path]
