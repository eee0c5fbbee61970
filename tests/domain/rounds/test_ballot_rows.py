"""A ballot click costs a page's worth of work: while a round is voting its rows are loaded once per round and
phase (at most every TTL) and shared; the member's votes are read from the store for every ballot."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest

from bot.domain.ports.rounds import RoundRepository
from bot.domain.ports.storage import Storage
from bot.domain.rounds.ballots import BallotRows
from bot.domain.rounds.models import Phase, Round, Submission
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.rounds import RoundService
from tests.conftest import FakeClock
from tests.domain.rounds.conftest import ALICE, BOB, CAROL, OWNER
from tests.domain.rounds.test_round_service import open_round


class Counting:
    """The real rounds store, counting the calls made to it."""

    def __init__(self, inner: RoundRepository) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return method(*args, **kwargs)

        return call


@dataclasses.dataclass
class Counted:
    store: Counting
    rounds: RoundService
    other: RoundService  # a second process on the same store
    clock: FakeClock


@pytest.fixture
def c(sqlite_storage: Storage, clock: FakeClock) -> Counted:
    store = Counting(sqlite_storage.rounds)
    storage = dataclasses.replace(sqlite_storage, rounds=store)

    def service() -> RoundService:
        music = MusicService(None, storage.accounts, clock=clock)
        playlists = PlaylistService(storage, limits=Limits(max_tracks=500), clock=clock, tracks=music)
        rounds = RoundService(storage, playlists, music, storage.guilds, clock=clock)
        playlists.use_hooks(rounds)
        return rounds

    return Counted(store, service(), service(), clock)


async def voting(c: Counted, tracks: int = 12) -> tuple[Round, list[Submission]]:
    r = await open_round(c, voting=None, per_member=10)  # type: ignore[arg-type]
    subs = []
    for i in range(tracks):
        subs.append((await c.rounds.submit_typed(BOB if i % 2 else CAROL, r.id, f"Artist {i} - Song {i}"))[1])
    await c.rounds.close(OWNER, r.id)
    c.store.calls.clear()
    return r, subs


async def test_after_the_first_ballot_a_click_reads_no_submissions_but_always_the_members_votes(c: Counted) -> None:
    r, subs = await voting(c)
    first = await c.rounds.ballot(ALICE, r.id)
    assert [s.id for s in first.submissions] == [s.id for s in subs]  # submission order
    assert c.store.calls["submissions"] == 1
    await c.rounds.ballot(ALICE, r.id)  # the page turn
    await c.rounds.ballot(BOB, r.id)  # another member's Vote
    on, used = await c.rounds.toggle_vote(ALICE, r.id, subs[3].id)
    after = await c.rounds.ballot(ALICE, r.id)
    assert c.store.calls["submissions"] == 1
    assert c.store.calls["votes_of"] == 5  # every ballot and the toggle read the votes from the store
    assert (on, used) == (True, 1) and after.mine == {subs[3].id}  # the toggle shows at once
    assert all(s.votes == 0 for s in after.submissions)  # never the counts, though the store has one now
    await c.other.toggle_vote(ALICE, r.id, subs[5].id)  # her vote made through another process
    assert (await c.rounds.ballot(ALICE, r.id)).mine == {subs[3].id, subs[5].id}


async def test_concurrent_first_clicks_share_one_load(c: Counted) -> None:
    r, subs = await voting(c)
    ballots = await asyncio.gather(*(c.rounds.ballot(who, r.id) for who in (ALICE, BOB, CAROL) * 5))
    assert c.store.calls["submissions"] == 1
    assert all(len(b.submissions) == len(subs) for b in ballots)


async def test_while_open_every_ballot_reads_afresh_and_a_phase_change_reloads(c: Counted) -> None:
    r = await open_round(c, voting=None)  # type: ignore[arg-type]
    await c.rounds.submit_typed(BOB, r.id, "B - One")
    await c.rounds.ballot(ALICE, r.id)
    await c.rounds.submit_typed(BOB, r.id, "B - Two")
    assert len((await c.rounds.ballot(ALICE, r.id)).submissions) == 2  # open: submissions still change
    await c.rounds.close(OWNER, r.id)
    c.store.calls.clear()
    await c.rounds.ballot(ALICE, r.id)
    await c.rounds.ballot(ALICE, r.id)
    assert c.store.calls["submissions"] == 1
    assert await c.other.reveal(OWNER, r.id) is not None  # another process moves it on
    revealed = await c.rounds.ballot(ALICE, r.id)
    assert revealed.round.phase is Phase.REVEALED and c.store.calls["submissions"] >= 2  # not the voting rows


async def test_a_forget_me_made_elsewhere_shows_once_the_rows_expire(c: Counted, sqlite_storage: Storage) -> None:
    r, _ = await voting(c, tracks=4)
    assert {s.member_id for s in (await c.rounds.ballot(ALICE, r.id)).submissions} == {BOB.user_id, CAROL.user_id}
    await sqlite_storage.rounds.forget_user(BOB.user_id)
    c.clock.advance(seconds=29)
    assert BOB.user_id in {s.member_id for s in (await c.rounds.ballot(ALICE, r.id)).submissions}
    c.clock.advance(seconds=1)
    assert {s.member_id for s in (await c.rounds.ballot(ALICE, r.id)).submissions} == {0, CAROL.user_id}
    assert c.store.calls["submissions"] == 2


def a_round(phase: Phase = Phase.VOTING) -> Round:
    return Round.model_validate(
        {"id": "r" * 24, "guild_id": 1, "playlist_id": "p", "theme": "t", "per_member": 3, "votes_per_member": 3,
         "anonymous": False, "reorder": True, "channel_id": 9, "phase": phase, "created_by": 1,
         "created_at": "2026-11-28T12:00:00Z"}
    )  # fmt: skip


async def test_a_failed_load_is_not_kept_and_dropping_reloads(clock: FakeClock) -> None:
    rows = BallotRows(clock, ttl=30)
    loads = 0

    async def load() -> Sequence[Submission]:
        nonlocal loads
        loads += 1
        if loads == 1:
            raise OSError("the store is away")
        return []

    with pytest.raises(OSError, match="away"):
        await rows.rows(a_round(), load)
    assert await rows.rows(a_round(), load) == () and loads == 2
    assert await rows.rows(a_round(), load) == () and loads == 2
    rows.drop(a_round().id)
    await rows.rows(a_round(), load)
    assert loads == 3


async def test_a_cancelled_first_caller_does_not_cancel_the_load_others_wait_for(clock: FakeClock) -> None:
    rows = BallotRows(clock, ttl=30)
    gate = asyncio.Event()

    async def load() -> Sequence[Submission]:
        await gate.wait()
        return []

    first = asyncio.create_task(rows.rows(a_round(), load))
    await asyncio.sleep(0)
    second = asyncio.create_task(rows.rows(a_round(), load))
    await asyncio.sleep(0)
    first.cancel()
    gate.set()
    assert await second == ()
    assert first.cancelled()


async def test_at_most_capacity_rounds_are_kept(clock: FakeClock) -> None:
    rows = BallotRows(clock, ttl=30, capacity=2)

    async def load() -> Sequence[Submission]:
        return []

    for i in range(3):
        await rows.rows(a_round().model_copy(update={"id": f"{i}" * 24}), load)
    assert len(rows) == 2
