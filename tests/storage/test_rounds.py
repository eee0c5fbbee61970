"""Contract: rounds on every backend. The rules that race (quota, repeats, the window, vote limits, phase changes)
hold under concurrent callers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.errors import Conflict, Forbidden, LimitExceeded
from bot.domain.models import Track
from bot.domain.ports.storage import Storage
from bot.domain.rounds.models import NewRound, NewSubmission, Phase, Round
from bot.domain.text import track_key
from tests.storage.helpers import BIG, G1, G2, assert_consistent, at, playlist_with

M1, M2, M3 = 11, 12, 13


def new_round(playlist_id: str, *, per_member: int = 3, closes_in: float | None = 3600) -> NewRound:
    return NewRound(
        guild_id=G1,
        playlist_id=playlist_id,
        theme="night drive",
        per_member=per_member,
        votes_per_member=3,
        anonymous=True,
        reorder=True,
        channel_id=77,
        created_by=M1,
        created_at=at(),
        closes_at=at(closes_in) if closes_in is not None else None,
        voting_s=600,
    )


def sub(member: int, i: int, *, seconds: float = 1) -> NewSubmission:
    track = Track(artist=f"Band {i}", title=f"Song {i}")
    return NewSubmission(member_id=member, track=track, norm_key=track_key(track), submitted_at=at(seconds + i))


async def started(storage: Storage, **kwargs: object) -> Round:
    pid = await playlist_with(storage, 0)
    return await storage.rounds.create(new_round(pid, **kwargs))  # type: ignore[arg-type]


async def to_voting(storage: Storage, r: Round) -> Round:
    moved = await storage.rounds.transition(G1, r.id, expect=Phase.OPEN, to=Phase.VOTING, at=at(10), next_at=at(70))
    assert moved is not None
    return moved


async def test_one_running_round_per_playlist_scoped_by_guild(storage: Storage) -> None:
    r = await started(storage)
    assert r.phase is Phase.OPEN and r.next_at == r.closes_at == at(3600)
    assert await storage.rounds.get(G1, r.id) == r
    assert await storage.rounds.get(G2, r.id) is None
    assert await storage.rounds.active_for(G1, r.playlist_id) == r
    with pytest.raises(Conflict):
        await storage.rounds.create(new_round(r.playlist_id))
    gone = await storage.rounds.transition(G1, r.id, expect=Phase.OPEN, to=Phase.CANCELLED, at=at(5), next_at=None)
    assert gone is not None and gone.phase is Phase.CANCELLED
    assert await storage.rounds.active_for(G1, r.playlist_id) is None
    again = await storage.rounds.create(new_round(r.playlist_id))
    assert [x.id for x in await storage.rounds.list_active(G1)] == [again.id]
    await storage.rounds.set_message(G1, again.id, 555)
    assert (await storage.rounds.get(G1, again.id)).message_id == 555  # type: ignore[union-attr]


async def test_a_submission_adds_its_track_and_repeats_are_refused(storage: Storage) -> None:
    r = await started(storage)
    s = await storage.rounds.submit(G1, r.id, sub(M1, 1), max_tracks=BIG)
    entries = await assert_consistent(storage, G1, r.playlist_id)
    assert [e.id for e in entries] == [s.entry_id] and entries[0].added_by == M1
    same = sub(M2, 1).model_copy(update={"track": Track(artist="BAND 1", title="song 1 (Remastered 2011)")})
    with pytest.raises(Conflict, match="Someone already submitted"):
        await storage.rounds.submit(
            G1, r.id, same.model_copy(update={"norm_key": track_key(same.track)}), max_tracks=BIG
        )
    with pytest.raises(Conflict, match="You already submitted"):
        await storage.rounds.submit(G1, r.id, sub(M1, 1), max_tracks=BIG)
    assert len(await assert_consistent(storage, G1, r.playlist_id)) == 1
    await to_voting(storage, r)
    with pytest.raises(Conflict, match="closed"):
        await storage.rounds.submit(G1, r.id, sub(M2, 2), max_tracks=BIG)
    assert [x.id for x in await storage.rounds.submissions(G1, r.id)] == [s.id]


async def test_ten_concurrent_submits_against_a_quota_of_three_give_exactly_three(storage: Storage) -> None:
    r = await started(storage, per_member=3)
    results = await asyncio.gather(
        *(storage.rounds.submit(G1, r.id, sub(M1, i), max_tracks=BIG) for i in range(10)), return_exceptions=True
    )
    made = [x for x in results if not isinstance(x, BaseException)]
    assert len(made) == 3
    assert all(isinstance(x, LimitExceeded) for x in results if isinstance(x, BaseException))
    entries = await assert_consistent(storage, G1, r.playlist_id)
    assert sorted(e.id for e in entries) == sorted(str(s.entry_id) for s in made)
    assert len(await storage.rounds.submissions(G1, r.id)) == 3
    await storage.rounds.submit(G1, r.id, sub(M2, 20), max_tracks=BIG)  # another member has their own quota


async def test_concurrent_submits_of_one_track_by_many_members_keep_one(storage: Storage) -> None:
    r = await started(storage)
    results = await asyncio.gather(
        *(storage.rounds.submit(G1, r.id, sub(100 + m, 1), max_tracks=BIG) for m in range(8)), return_exceptions=True
    )
    assert sum(not isinstance(x, BaseException) for x in results) == 1
    assert len(await assert_consistent(storage, G1, r.playlist_id)) == 1


async def test_twenty_concurrent_votes_respect_the_limit_and_never_count_ones_own(storage: Storage) -> None:
    r = await started(storage, per_member=10)
    theirs = [await storage.rounds.submit(G1, r.id, sub(M2 if i < 10 else M3, i), max_tracks=BIG) for i in range(20)]
    own = await storage.rounds.submit(G1, r.id, sub(M1, 50), max_tracks=BIG)
    with pytest.raises(Conflict, match="not taking votes"):
        await storage.rounds.vote(G1, r.id, theirs[0].id, M1, on=True, limit=3)
    await to_voting(storage, r)
    with pytest.raises(Forbidden):
        await storage.rounds.vote(G1, r.id, own.id, M1, on=True, limit=3)
    results = await asyncio.gather(
        *(storage.rounds.vote(G1, r.id, s.id, M1, on=True, limit=3) for s in theirs), return_exceptions=True
    )
    assert sum(not isinstance(x, BaseException) for x in results) == 3
    assert all(isinstance(x, LimitExceeded) for x in results if isinstance(x, BaseException))
    mine = await storage.rounds.votes_of(G1, r.id, M1)
    assert len(mine) == 3
    counted = {s.id: s.votes for s in await storage.rounds.submissions(G1, r.id)}
    assert sum(counted.values()) == 3 and all(counted[i] == 1 for i in mine)
    assert await storage.rounds.voters(G1, r.id) == 1
    # Taking one back frees a vote; giving the same vote twice at once counts once.
    first = next(iter(mine))
    assert await storage.rounds.vote(G1, r.id, first, M1, on=False, limit=3) == 2
    other = next(s.id for s in theirs if s.id not in mine)
    again = await asyncio.gather(*(storage.rounds.vote(G1, r.id, other, M1, on=True, limit=3) for _ in range(5)))
    assert max(again) == 3
    assert len(await storage.rounds.votes_of(G1, r.id, M1)) == 3
    assert sum(s.votes for s in await storage.rounds.submissions(G1, r.id)) == 3


async def test_phase_changes_are_compare_and_set_under_concurrent_callers(storage: Storage) -> None:
    r = await started(storage)
    closes = await asyncio.gather(
        *(
            storage.rounds.transition(
                G1, r.id, expect=Phase.OPEN, to=Phase.VOTING, at=at(9), next_at=at(99), voting_ends_at=at(99)
            )
            for _ in range(10)
        )
    )
    won = [x for x in closes if x is not None]
    assert len(won) == 1 and won[0].phase is Phase.VOTING and won[0].voting_ends_at == at(99)
    assert won[0].closed_at == at(9) and won[0].next_at == at(99)
    reveals = await asyncio.gather(
        *(
            storage.rounds.transition(G1, r.id, expect=Phase.VOTING, to=Phase.REVEALED, at=at(100), next_at=None)
            for _ in range(10)
        )
    )
    shown = [x for x in reveals if x is not None]
    assert len(shown) == 1 and shown[0].phase is Phase.REVEALED and shown[0].revealed_at == at(100)
    assert (
        await storage.rounds.transition(G1, r.id, expect=Phase.OPEN, to=Phase.VOTING, at=at(101), next_at=None) is None
    )
    assert await storage.rounds.active_for(G1, r.playlist_id) is None


async def test_cancelling_while_voting_keeps_when_submissions_closed(storage: Storage) -> None:
    r = await to_voting(storage, await started(storage))
    gone = await storage.rounds.transition(G1, r.id, expect=Phase.VOTING, to=Phase.CANCELLED, at=at(50), next_at=None)
    assert gone is not None and gone.phase is Phase.CANCELLED
    assert gone.closed_at == at(10) and gone.next_at is None


async def test_due_rounds_are_found_by_their_next_transition_time(storage: Storage) -> None:
    soon = await started(storage, closes_in=60)
    pid = await playlist_with(storage, 0, name="Other")
    await storage.rounds.create(new_round(pid, closes_in=None))  # closed by hand: never due
    assert await storage.rounds.due(now=at(59), limit=10) == []
    assert [r.id for r in await storage.rounds.due(now=at(60), limit=10)] == [soon.id]
    await storage.rounds.transition(
        G1, soon.id, expect=Phase.OPEN, to=Phase.VOTING, at=at(60), next_at=at(60) + timedelta(minutes=10)
    )
    assert await storage.rounds.due(now=at(61), limit=10) == []
    assert [r.phase for r in await storage.rounds.due(now=at(661), limit=10)] == [Phase.VOTING]
