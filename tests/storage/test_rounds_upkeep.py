"""Contract: what keeps rounds right over time on every backend: forget-me and the removed-server purge reach the
rounds, removed entries withdraw their submissions while the round is open, the store knows which phase each
announcement shows, and (MongoDB) a submit cut off between its steps is repaired."""

from __future__ import annotations

import pytest

from bot.domain.errors import LimitExceeded
from bot.domain.models import NewEntry
from bot.domain.ports.storage import Storage
from bot.domain.rounds.models import Phase
from tests.storage.backends import Backend
from tests.storage.helpers import BIG, G1, G2, at, playlist_with
from tests.storage.test_rounds import M1, M2, M3, new_round, started, sub, to_voting


async def _voted(storage: Storage) -> tuple[str, str, list[str]]:
    """A voting round where M1 submitted two tracks and M2 one; M3 and M2 vote. (round id, M2's sub, M1's subs)"""
    r = await started(storage)
    a = await storage.rounds.submit(G1, r.id, sub(M1, 1), max_tracks=BIG)
    b = await storage.rounds.submit(G1, r.id, sub(M1, 2), max_tracks=BIG)
    c = await storage.rounds.submit(G1, r.id, sub(M2, 3), max_tracks=BIG)
    await to_voting(storage, r)
    for voter, target in ((M3, a.id), (M3, c.id), (M2, a.id), (M1, c.id)):
        await storage.rounds.vote(G1, r.id, target, voter, on=True, limit=3)
    return r.id, c.id, [a.id, b.id]


async def test_forget_me_credits_submissions_to_a_former_member_and_drops_unrevealed_ballots(
    storage: Storage,
) -> None:
    rid, _, _ = await _voted(storage)
    changed = await storage.rounds.forget_user(M3)  # voted twice in a round still voting: both ballots go
    assert changed == 2
    assert await storage.rounds.votes_of(G1, rid, M3) == set()
    assert [s.votes for s in await storage.rounds.submissions(G1, rid)] == [1, 0, 1]
    assert await storage.rounds.voters(G1, rid) == 2
    await storage.rounds.forget_user(M1)  # her submissions stay, credited to 0; her ballot (for c) goes
    subs = await storage.rounds.submissions(G1, rid)
    assert [s.member_id for s in subs] == [0, 0, M2] and [s.votes for s in subs] == [1, 0, 0]
    r = await storage.rounds.get(G1, rid)
    assert r is not None and r.created_by == 0
    assert await storage.rounds.forget_user(M1) == 0  # idempotent


async def test_forget_me_keeps_votes_of_a_revealed_round_credited_to_a_former_member(storage: Storage) -> None:
    rid, c, mine = await _voted(storage)
    moved = await storage.rounds.transition(G1, rid, expect=Phase.VOTING, to=Phase.REVEALED, at=at(99), next_at=None)
    assert moved is not None
    await storage.rounds.forget_user(M3)
    await storage.rounds.forget_user(M2)  # two forgotten voters of one track: both votes still count
    assert [s.votes for s in await storage.rounds.submissions(G1, rid)] == [2, 0, 2]
    assert await storage.rounds.votes_of(G1, rid, M3) == set()
    assert await storage.rounds.votes_of(G1, rid, M2) == set()
    assert await storage.rounds.votes_of(G1, rid, 0) == {mine[0], c}


async def test_a_purged_server_loses_its_rounds_submissions_and_votes(storage: Storage) -> None:
    rid, _, _ = await _voted(storage)
    other = await storage.rounds.create(new_round(await playlist_with(storage, 0, "Other")))
    elsewhere_pid = await playlist_with(storage, 0, "Elsewhere", guild_id=G2)
    elsewhere = await storage.rounds.create(new_round(elsewhere_pid).model_copy(update={"guild_id": G2}))
    await storage.rounds.submit(G2, elsewhere.id, sub(M1, 1), max_tracks=BIG)
    assert await storage.rounds.delete_guild(G1) == 2
    assert await storage.rounds.get(G1, rid) is None and await storage.rounds.get(G1, other.id) is None
    assert await storage.rounds.submissions(G1, rid) == [] and await storage.rounds.voters(G1, rid) == 0
    assert len(await storage.rounds.submissions(G2, elsewhere.id)) == 1


async def test_removed_entries_withdraw_their_submissions_only_while_open(storage: Storage) -> None:
    r = await started(storage, per_member=1)
    s = await storage.rounds.submit(G1, r.id, sub(M1, 1), max_tracks=BIG)
    with pytest.raises(LimitExceeded):
        await storage.rounds.submit(G1, r.id, sub(M1, 2), max_tracks=BIG)
    assert s.entry_id is not None
    assert await storage.rounds.withdraw(G1, "another playlist", [s.entry_id]) == 0
    assert await storage.rounds.withdraw(G1, r.playlist_id, [s.entry_id]) == 1
    assert await storage.rounds.withdraw(G1, r.playlist_id, [s.entry_id]) == 0  # idempotent
    again = await storage.rounds.submit(G1, r.id, sub(M1, 2), max_tracks=BIG)  # the quota is free again
    await to_voting(storage, r)
    assert await storage.rounds.withdraw(G1, r.playlist_id, [again.entry_id or ""]) == 0
    assert [x.id for x in await storage.rounds.submissions(G1, r.id)] == [again.id]


async def test_the_store_knows_which_announcements_lag(storage: Storage) -> None:
    r = await started(storage)
    assert await storage.rounds.unannounced(limit=10) == []  # no announcement posted yet
    await storage.rounds.set_message(G1, r.id, 555)
    assert await storage.rounds.unannounced(limit=10) == []
    got = await storage.rounds.get(G1, r.id)
    assert got is not None and got.announced_phase is Phase.OPEN
    await to_voting(storage, r)
    [lagging] = await storage.rounds.unannounced(limit=10)
    assert (lagging.id, lagging.phase, lagging.announced_phase) == (r.id, Phase.VOTING, Phase.OPEN)
    await storage.rounds.announced(G1, r.id, Phase.OPEN)  # a stale note changes nothing
    assert len(await storage.rounds.unannounced(limit=10)) == 1
    await storage.rounds.announced(G1, r.id, Phase.VOTING)
    assert await storage.rounds.unannounced(limit=10) == []


async def test_a_mongodb_submit_cut_off_between_its_steps_is_repaired(storage: Storage, backend: Backend) -> None:
    if backend.name == "sqlite":
        assert await storage.rounds.repair(older_than=at(10_000)) == 0  # one transaction: nothing to repair
        return
    from storage.mongo.rounds import MongoRounds  # noqa: PLC0415 - the MongoDB adapter's steps

    rounds = storage.rounds
    assert isinstance(rounds, MongoRounds)
    r = await started(storage, per_member=2)
    # process 1 died after claiming its submission (no entry written): the slot and the track are held
    lost = await rounds._claim(r, sub(M1, 1))
    # process 2 died after writing the entry, before noting its id on the submission
    half = await rounds._claim(r, sub(M1, 2))
    [entry] = await rounds._entries.append(
        G1, r.playlist_id,
        [NewEntry(track=half.track, norm_key=half.norm_key, added_by=M1, added_at=half.submitted_at)],
        max_tracks=BIG, at=half.submitted_at,
    )  # fmt: skip
    with pytest.raises(LimitExceeded):
        await rounds.submit(G1, r.id, sub(M1, 3), max_tracks=BIG)
    assert await rounds.repair(older_than=at(0)) == 0  # younger than the lease: maybe still running
    assert await rounds.repair(older_than=at(3600)) == 2
    [kept] = await rounds.submissions(G1, r.id)
    assert (kept.id, kept.entry_id) == (half.id, entry.id)
    assert lost.id != kept.id
    await rounds.submit(G1, r.id, sub(M1, 1), max_tracks=BIG)  # the lost one's slot and track are free again
    assert await rounds.repair(older_than=at(3600)) == 0
