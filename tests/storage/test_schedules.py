"""Contract: schedules, their claims and leases, on every backend. Twenty claimers of one due schedule: one wins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.errors import Conflict, LimitExceeded, NotFound
from bot.domain.ports.storage import Storage
from bot.domain.schedules.models import NewSchedule, Outcome
from bot.domain.schedules.recurrence import Every
from storage import open_storage

G1, G2 = 1, 2
T0 = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def new_schedule(guild_id: int = G1, *, at: datetime = T0, label: str = "friday") -> NewSchedule:
    return NewSchedule(
        guild_id=guild_id,
        channel_id=500 + guild_id,
        what="playlist",
        target="0" * 24,
        label=label,
        every=Every.WEEK,
        cron="0 18 * * 5",
        timezone="Europe/Paris",
        created_by=9,
        created_at=at - timedelta(days=1),
        next_run_at=at,
    )


async def test_create_get_list_delete_scoped_by_guild(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    assert made.next_run_at == T0 and made.every is Every.WEEK and not made.paused and made.attempts == 0
    assert await storage.schedules.get(G1, made.id) == made
    assert await storage.schedules.get(G2, made.id) is None
    assert [s.id for s in await storage.schedules.list(G1)] == [made.id]
    assert await storage.schedules.list(G2) == []
    assert not await storage.schedules.delete(G2, made.id)
    assert await storage.schedules.delete(G1, made.id)
    assert await storage.schedules.get(G1, made.id) is None


async def test_the_per_server_limit_holds_under_concurrent_creates(storage: Storage) -> None:
    results = await asyncio.gather(
        *(storage.schedules.create(new_schedule(label=f"s{i}"), max_per_guild=3) for i in range(12)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 3
    assert all(isinstance(r, LimitExceeded) for r in results if isinstance(r, BaseException))
    first = await storage.schedules.list(G1)
    assert await storage.schedules.delete(G1, first[0].id)
    await storage.schedules.create(new_schedule(label="again"), max_per_guild=3)  # the slot came back
    await storage.schedules.create(new_schedule(G2), max_per_guild=3)  # another server has its own


async def test_only_due_unpaused_unleased_schedules_are_claimed(storage: Storage) -> None:
    due = await storage.schedules.create(new_schedule(), max_per_guild=5)
    later = await storage.schedules.create(new_schedule(at=T0 + timedelta(hours=1)), max_per_guild=5)
    paused = await storage.schedules.create(new_schedule(label="p"), max_per_guild=5)
    await storage.schedules.set_paused(G1, paused.id, paused=True, reason="why", next_run_at=T0)
    assert await storage.schedules.claim(now=T0 - timedelta(seconds=1), owner="a", lease_until=T0, limit=10) == []
    (got,) = await storage.schedules.claim(now=T0, owner="a", lease_until=T0 + LEASE, limit=10)
    assert (got.id, got.lease_owner, got.lease_until, got.attempts) == (due.id, "a", T0 + LEASE, 1)
    assert await storage.schedules.claim(now=T0 + LEASE / 2, owner="b", lease_until=T0 + LEASE, limit=10) == []
    assert await storage.schedules.due(now=T0) == 1
    # the lease expires (its holder died): the next claimant gets it, and sees that it is a second attempt
    (again,) = await storage.schedules.claim(now=T0 + LEASE, owner="b", lease_until=T0 + 2 * LEASE, limit=1)
    assert (again.id, again.lease_owner, again.attempts) == (due.id, "b", 2)
    assert later.id not in {
        s.id for s in await storage.schedules.claim(now=T0 + LEASE, owner="c", lease_until=T0 + 3 * LEASE, limit=9)
    }


async def test_finish_is_guarded_by_owner_and_occurrence(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    await storage.schedules.claim(now=T0, owner="a", lease_until=T0 + LEASE, limit=1)
    nxt = T0 + timedelta(days=7)
    args = {"outcome": Outcome.POSTED, "detail": None, "message_id": 77, "next_run_at": nxt, "failures": 0}
    assert not await storage.schedules.finish(made.id, owner="b", occurrence=T0, **args)
    assert not await storage.schedules.finish(made.id, owner="a", occurrence=nxt, **args)
    assert await storage.schedules.finish(made.id, owner="a", occurrence=T0, **args)
    assert not await storage.schedules.finish(made.id, owner="a", occurrence=T0, **args)  # once
    done = await storage.schedules.get(G1, made.id)
    assert done is not None
    assert (done.next_run_at, done.lease_owner, done.lease_until, done.attempts) == (nxt, None, None, 0)
    assert (done.last_outcome, done.last_run_at, done.last_message_id) == (Outcome.POSTED, T0, 77)


async def test_finish_can_pause_with_a_reason(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    await storage.schedules.claim(now=T0, owner="a", lease_until=T0 + LEASE, limit=1)
    assert await storage.schedules.finish(
        made.id,
        owner="a",
        occurrence=T0,
        outcome=Outcome.FAILED,
        detail="Unknown Channel",
        message_id=None,
        next_run_at=T0 + timedelta(days=7),
        failures=3,
        pause_reason="paused after 3 failed posts",
    )
    got = await storage.schedules.get(G1, made.id)
    assert got is not None and got.paused and got.paused_reason == "paused after 3 failed posts"
    assert (got.failures, got.last_outcome, got.last_detail) == (3, Outcome.FAILED, "Unknown Channel")
    assert await storage.schedules.claim(now=T0 + timedelta(days=8), owner="a", lease_until=T0, limit=1) == []
    resumed = await storage.schedules.set_paused(
        G1, made.id, paused=False, reason=None, next_run_at=T0 + timedelta(days=14)
    )
    assert (resumed.paused, resumed.paused_reason, resumed.failures) == (False, None, 0)


async def test_retry_later_keeps_the_occurrence_but_holds_it_back(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    await storage.schedules.claim(now=T0, owner="a", lease_until=T0 + LEASE, limit=1)
    back = T0 + timedelta(seconds=30)
    assert await storage.schedules.retry_later(made.id, owner="a", occurrence=T0, at=back, detail="503")
    assert (
        await storage.schedules.claim(now=back - timedelta(seconds=1), owner="b", lease_until=T0 + LEASE, limit=1) == []
    )
    (got,) = await storage.schedules.claim(now=back, owner="b", lease_until=back + LEASE, limit=1)
    assert (got.next_run_at, got.attempts, got.last_outcome, got.last_detail) == (T0, 2, Outcome.RETRYING, "503")


async def test_release_gives_back_only_the_owners_leases(storage: Storage) -> None:
    one = await storage.schedules.create(new_schedule(label="one"), max_per_guild=5)
    two = await storage.schedules.create(new_schedule(label="two"), max_per_guild=5)
    await storage.schedules.claim(now=T0, owner="a", lease_until=T0 + LEASE, limit=2)
    assert await storage.schedules.release(owner="b", schedule_ids=[one.id, two.id]) == 0
    assert await storage.schedules.release(owner="a", schedule_ids=[one.id]) == 1
    (got,) = await storage.schedules.claim(now=T0, owner="b", lease_until=T0 + LEASE, limit=5)
    assert got.id == one.id


async def test_run_now_moves_the_next_run_unless_it_is_being_posted(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    now = T0 - timedelta(days=2)
    moved = await storage.schedules.reschedule(G1, made.id, next_run_at=now)
    assert moved.next_run_at == now
    await storage.schedules.claim(now=now, owner="a", lease_until=now + LEASE, limit=1)
    with pytest.raises(Conflict):
        await storage.schedules.reschedule(G1, made.id, next_run_at=now)
    with pytest.raises(NotFound):
        await storage.schedules.reschedule(G2, made.id, next_run_at=now)


async def test_twenty_concurrent_claimers_of_one_due_schedule_one_wins(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    results = await asyncio.gather(
        *(storage.schedules.claim(now=T0, owner=f"p{i}", lease_until=T0 + LEASE, limit=1) for i in range(20))
    )
    winners = [i for i, got in enumerate(results) if got]
    assert len(winners) == 1
    assert results[winners[0]][0].id == made.id
    got = await storage.schedules.get(G1, made.id)
    assert got is not None and got.lease_owner == f"p{winners[0]}" and got.attempts == 1


async def test_claims_over_many_schedules_never_overlap(storage: Storage) -> None:
    for i in range(30):
        await storage.schedules.create(new_schedule(label=f"s{i}"), max_per_guild=50)
    batches = await asyncio.gather(
        *(storage.schedules.claim(now=T0, owner=f"p{i}", lease_until=T0 + LEASE, limit=4) for i in range(10))
    )
    ids = [s.id for batch in batches for s in batch]
    assert len(ids) == len(set(ids)) == 30


async def test_twenty_processes_on_one_sqlite_file_one_wins(tmp_path: Path) -> None:
    """Separate stores (own connections, like separate processes) on one SQLite file."""
    path = tmp_path / "shared.sqlite3"
    async with open_storage(mongodb_uri=None, database="x", sqlite_path=path) as first:
        made = await first.schedules.create(new_schedule(), max_per_guild=5)
        stores = [open_storage(mongodb_uri=None, database="x", sqlite_path=path) for _ in range(20)]
        opened = [await s.__aenter__() for s in stores]
        try:
            results = await asyncio.gather(
                *(
                    st.schedules.claim(now=T0, owner=f"p{i}", lease_until=T0 + LEASE, limit=1)
                    for i, st in enumerate(opened)
                )
            )
        finally:
            for s in stores:
                await s.__aexit__(None, None, None)
        assert sum(1 for r in results if r) == 1
        assert [s.id for r in results for s in r] == [made.id]


async def test_guild_time_zone_setting(storage: Storage) -> None:
    assert (await storage.guilds.settings(G1)).timezone is None
    await storage.guilds.set_manager_role(G1, 42, present=True)
    got = await storage.guilds.set_timezone(G1, "Europe/Paris")
    assert (got.timezone, got.manager_role_ids) == ("Europe/Paris", (42,))
    assert (await storage.guilds.settings(G1)).timezone == "Europe/Paris"
    assert (await storage.guilds.set_manager_role(G1, 43, present=True)).timezone == "Europe/Paris"
    assert (await storage.guilds.set_timezone(G2, "Asia/Tokyo")).manager_role_ids == ()


async def test_a_mix_schedule_keeps_its_saving_fields(storage: Storage) -> None:
    made = await storage.schedules.create(
        new_schedule().model_copy(update={"what": "mood", "target": "rainy", "save_as": "Friday mix", "keep": 2}),
        max_per_guild=5,
    )
    assert (made.save_as, made.keep, made.save_at, made.save_name, made.saved) == ("Friday mix", 2, None, None, ())
    assert await storage.schedules.get(G1, made.id) == made
    plain = await storage.schedules.create(new_schedule(label="plain"), max_per_guild=5)
    assert (plain.save_as, plain.keep, plain.saved) == (None, 4, ())


async def test_the_saved_name_is_chosen_once_per_occurrence_by_the_lease_holder(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    await storage.schedules.claim(now=T0, owner="a", lease_until=T0 + LEASE, limit=1)
    reserve = storage.schedules.reserve_save
    assert await reserve(made.id, owner="b", occurrence=T0, name="Mix W49") is None  # not the lease holder
    assert await reserve(made.id, owner="a", occurrence=T0 - LEASE, name="Mix W49") is None  # not its occurrence
    assert await reserve(made.id, owner="a", occurrence=T0, name="Mix W49") == "Mix W49"
    # a later attempt at the same occurrence (after the lease expired) gets the name chosen first
    await storage.schedules.claim(now=T0 + LEASE, owner="b", lease_until=T0 + 2 * LEASE, limit=1)
    assert await reserve(made.id, owner="b", occurrence=T0, name="Mix W49 18:00") == "Mix W49"
    got = await storage.schedules.get(G1, made.id)
    assert got is not None and (got.save_at, got.save_name) == (T0, "Mix W49")
    # the next occurrence chooses afresh
    week = timedelta(days=7)
    assert await storage.schedules.finish(
        made.id, owner="b", occurrence=T0, outcome=Outcome.POSTED, detail=None, message_id=1,
        next_run_at=T0 + week, failures=0,
    )  # fmt: skip
    await storage.schedules.claim(now=T0 + week, owner="c", lease_until=T0 + week + LEASE, limit=1)
    assert await reserve(made.id, owner="c", occurrence=T0 + week, name="Mix W50") == "Mix W50"


async def test_saved_playlists_are_listed_once_oldest_first_and_forgotten(storage: Storage) -> None:
    made = await storage.schedules.create(new_schedule(), max_per_guild=5)
    record = storage.schedules.record_saved
    assert await record(made.id, playlist_id="p1") == ["p1"]
    assert await record(made.id, playlist_id="p2") == ["p1", "p2"]
    assert await record(made.id, playlist_id="p1") == ["p1", "p2"]  # a retry changes nothing
    results = await asyncio.gather(*(record(made.id, playlist_id=f"q{i}") for i in range(10)))
    final = max(results, key=len)
    assert final[:2] == ["p1", "p2"] and sorted(final[2:]) == sorted(f"q{i}" for i in range(10))
    await storage.schedules.forget_saved(made.id, playlist_ids=["p1", *[f"q{i}" for i in range(10)]])
    got = await storage.schedules.get(G1, made.id)
    assert got is not None and got.saved == ("p2",)
    with pytest.raises(NotFound):
        await record("0" * 24, playlist_id="p3")
