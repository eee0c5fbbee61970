"""The round service with a controlled clock: quotas under concurrency, repeats, windows, votes, ranking, timing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import Conflict, Forbidden, InvalidInput, LimitExceeded
from bot.domain.models import PlaylistMode
from bot.domain.rounds.models import Phase, Results, Round
from bot.domain.rounds.runner import RoundRunner
from tests.domain.rounds.conftest import ALICE, BOB, CAROL, MOD, OWNER, G, Kit


async def open_round(kit: Kit, **options: object) -> Round:
    defaults: dict[str, object] = {"channel_id": 9, "closes": "2d", "voting": "1d"}
    return await kit.rounds.start(OWNER, "Night drive", "songs for a night drive", **(defaults | options))  # type: ignore[arg-type]


async def test_start_makes_the_playlist_and_only_its_owner_or_managers_run_rounds(kit: Kit) -> None:
    r = await open_round(kit)
    assert r.phase is Phase.OPEN and r.closes_at == kit.clock.now() + timedelta(days=2) and r.voting_s == 86400
    playlist = await kit.playlists.get(G, "Night drive")
    assert playlist.owner_id == OWNER.user_id and r.playlist_id == playlist.id
    with pytest.raises(Conflict):
        await open_round(kit)  # one running round per playlist
    await kit.playlists.create(BOB, "Bob's")
    with pytest.raises(Forbidden):
        await kit.rounds.start(ALICE, "Bob's", "theme", channel_id=9)
    assert (await kit.rounds.start(MOD, "Bob's", "theme", channel_id=9)).created_by == MOD.user_id
    with pytest.raises(Forbidden):
        await kit.rounds.close(ALICE, r.id)
    with pytest.raises(InvalidInput):
        await kit.rounds.start(OWNER, "Other", "theme", channel_id=9, closes="someday")
    with pytest.raises(InvalidInput):
        await kit.rounds.start(OWNER, "Other", "theme", channel_id=9, per_member=0)


async def test_closing_times_are_read_in_the_servers_time_zone(kit: Kit) -> None:
    await kit.storage.guilds.set_timezone(G, "Europe/Paris")
    kit.clock.at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday, 13:00 in Paris
    r = await open_round(kit, closes="friday 18:00")
    assert r.closes_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    later = await kit.rounds.start(OWNER, "Two", "t", channel_id=9, closes="12:30")
    assert later.closes_at == datetime(2026, 12, 2, 11, 30, tzinfo=UTC)  # tomorrow: 12:30 today has passed


async def test_a_member_sending_ten_submits_at_once_to_a_quota_of_three_gets_three(kit: Kit) -> None:
    r = await open_round(kit, per_member=3)
    results = await asyncio.gather(
        *(kit.rounds.submit_typed(ALICE, r.id, f"Band {i} - Song {i}") for i in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(x, BaseException) for x in results) == 3
    assert all(isinstance(x, LimitExceeded) for x in results if isinstance(x, BaseException))
    page = await kit.playlists.page(G, "Night drive", 1, viewer=MOD)
    assert page.total == 3 and {e.added_by for _, e in page.entries} == {ALICE.user_id}


async def test_playlist_add_on_a_rounds_playlist_follows_the_round(kit: Kit) -> None:
    r = await open_round(kit, per_member=2)
    await kit.playlists.add_typed(ALICE, "Night drive", "Kavinsky - Nightcall")
    with pytest.raises(Conflict, match="Someone already submitted"):
        await kit.playlists.add_typed(BOB, "Night drive", "kavinsky - NIGHTCALL (Remastered)")
    await kit.playlists.add_typed(ALICE, "Night drive", "Chromatics - Tick of the Clock")
    with pytest.raises(LimitExceeded):
        await kit.playlists.add_typed(ALICE, "Night drive", "Desire - Under Your Spell")
    subs = await kit.storage.rounds.submissions(G, r.id)
    assert [s.track.title for s in subs] == ["Nightcall", "Tick of the Clock"]
    await kit.rounds.close(OWNER, r.id)
    with pytest.raises(Conflict, match="closed"):
        await kit.playlists.add_typed(BOB, "Night drive", "College - A Real Hero")
    with pytest.raises(Conflict, match="closed"):
        await kit.rounds.submit_typed(BOB, r.id, "College - A Real Hero")


async def test_only_members_who_may_add_can_submit(kit: Kit) -> None:
    r = await open_round(kit)
    await kit.playlists.set_mode(OWNER, "Night drive", PlaylistMode.LOCKED)
    with pytest.raises(Forbidden):
        await kit.rounds.submit_typed(ALICE, r.id, "Kavinsky - Nightcall")
    await kit.rounds.submit_typed(MOD, r.id, "Kavinsky - Nightcall")


async def test_votes_only_while_voting_at_most_n_and_never_for_ones_own(kit: Kit) -> None:
    r = await open_round(kit, votes=2)
    _, mine, _ = await kit.rounds.submit_typed(ALICE, r.id, "A - One")
    theirs = [(await kit.rounds.submit_typed(BOB, r.id, f"B - {i}"))[1] for i in range(3)]
    with pytest.raises(Conflict, match="not taking votes"):
        await kit.rounds.toggle_vote(CAROL, r.id, theirs[0].id)
    await kit.rounds.close(OWNER, r.id)
    with pytest.raises(Forbidden):
        await kit.rounds.toggle_vote(ALICE, r.id, mine.id)
    assert await kit.rounds.toggle_vote(ALICE, r.id, theirs[0].id) == (True, 1)
    assert await kit.rounds.toggle_vote(ALICE, r.id, theirs[1].id) == (True, 2)
    with pytest.raises(LimitExceeded):
        await kit.rounds.toggle_vote(ALICE, r.id, theirs[2].id)
    assert await kit.rounds.toggle_vote(ALICE, r.id, theirs[0].id) == (False, 1)  # changed her mind
    assert await kit.rounds.toggle_vote(ALICE, r.id, theirs[2].id) == (True, 2)
    ballot = await kit.rounds.ballot(ALICE, r.id)
    assert ballot.mine == {theirs[1].id, theirs[2].id}
    assert all(s.votes == 0 for s in ballot.submissions)  # a ballot never shows the counts
    tally = await kit.rounds.tally(r)
    assert (tally.submissions, tally.submitters, tally.voters, tally.votes) == (4, 2, 1, 2)
    await kit.rounds.reveal(OWNER, r.id)
    with pytest.raises(Conflict):
        await kit.rounds.toggle_vote(ALICE, r.id, theirs[0].id)


async def test_reveal_ranks_by_votes_ties_to_the_earlier_submission_and_reorders(kit: Kit) -> None:
    r = await open_round(kit)
    subs = []
    for who, typed in ((ALICE, "A - First"), (BOB, "B - Second"), (CAROL, "C - Third"), (ALICE, "A - Fourth")):
        subs.append((await kit.rounds.submit_typed(who, r.id, typed))[1])
        kit.clock.advance(seconds=5)
    await kit.rounds.close(OWNER, r.id)
    for voter, sub in ((BOB, subs[3]), (CAROL, subs[3]), (ALICE, subs[2]), (BOB, subs[2]), (ALICE, subs[1])):
        await kit.rounds.toggle_vote(voter, r.id, sub.id)
    results = await kit.rounds.reveal(OWNER, r.id)
    assert results is not None and results.round.phase is Phase.REVEALED
    # Fourth and Third tie at 2: Third was submitted earlier. First has no vote: last.
    assert [x.submission.track.title for x in results.ranking] == ["Third", "Fourth", "Second", "First"]
    assert [x.rank for x in results.ranking] == [1, 2, 3, 4]
    assert results.winner is not None and results.winner.submission.member_id == CAROL.user_id
    assert results.tally.voters == 3 and results.tally.submitters == 3
    page = await kit.playlists.page(G, "Night drive", 1)
    assert [e.track.title for _, e in page.entries] == ["Third", "Fourth", "Second", "First"]
    assert await kit.rounds.reveal(OWNER, r.id) is None  # only once


async def test_anonymous_submitters_are_hidden_everywhere_until_the_reveal(kit: Kit) -> None:
    await kit.playlists.create(OWNER, "Night drive")
    await kit.playlists.add_typed(OWNER, "Night drive", "Before - The Round")  # in no round: stays attributed
    r = await open_round(kit, anonymous=True)
    _, sub, _ = await kit.rounds.submit_typed(ALICE, r.id, "Kavinsky - Nightcall")
    names = {ALICE.user_id: "alice-name", OWNER.user_id: "owner-name"}

    async def leaks(viewer: object) -> set[str]:
        seen: set[str] = set()
        page = await kit.playlists.page(G, "Night drive", 1, viewer=viewer)  # type: ignore[arg-type]
        if any(e.added_by == ALICE.user_id for _, e in page.entries) or any(
            uid == ALICE.user_id for uid, _ in page.contributors
        ):
            seen.add("show")
        for scope in ("Night drive", None):
            if any(e.actor_id == ALICE.user_id for e in await kit.playlists.history(G, scope, viewer=viewer)):  # type: ignore[arg-type]
                seen.add(f"history:{scope}")
        if any(e.added_by == ALICE.user_id for _, e in await kit.playlists.suggest_entries(G, "Night drive", "")):
            seen.add("autocomplete")
        for fmt in ("csv", "jspf", "xspf"):
            out = await kit.transfer.export(G, "Night drive", fmt, max_bytes=10**6, who=names.get)
            if b"alice-name" in out.data:
                seen.add(f"export:{fmt}")
        now = await kit.rounds.get(G, r.id)
        shown = kit.rounds.shown(now, await kit.storage.rounds.submissions(G, r.id), viewer)  # type: ignore[arg-type]
        if any(s.member_id == ALICE.user_id for s in shown):
            seen.add("round")
        return seen

    assert await leaks(BOB) == set()
    assert await leaks(None) == set()
    assert {"show", "history:Night drive", "history:None", "round"} <= await leaks(MOD)  # managers see it
    page = await kit.playlists.page(G, "Night drive", 1, viewer=BOB)
    assert [e.added_by for _, e in page.entries] == [OWNER.user_id, -1]
    await kit.rounds.close(OWNER, r.id)
    assert await leaks(BOB) == set()  # still hidden while voting
    await kit.rounds.reveal(OWNER, r.id)
    assert {"show", "history:Night drive", "round", "export:csv"} <= await leaks(BOB)
    assert sub.member_id == ALICE.user_id


class Board:
    def __init__(self) -> None:
        self.seen: list[tuple[str, Phase, Results | None]] = []

    async def changed(self, r: Round, results: Results | None) -> None:
        self.seen.append((r.id, r.phase, results))


async def test_the_runner_closes_and_reveals_on_time_once_across_processes(kit: Kit) -> None:
    r = await open_round(kit, closes="2h", voting="30m")
    await kit.rounds.submit_typed(ALICE, r.id, "A - One")
    boards = [Board(), Board(), Board()]
    runners = [RoundRunner(kit.rounds, b, clock=kit.clock) for b in boards]
    assert await asyncio.gather(*(x.tick() for x in runners)) == [0, 0, 0]
    kit.clock.advance(hours=2)
    assert sum(await asyncio.gather(*(x.tick() for x in runners))) == 1
    closed = await kit.rounds.get(G, r.id)
    assert closed.phase is Phase.VOTING and closed.voting_ends_at == kit.clock.now() + timedelta(minutes=30)
    kit.clock.advance(minutes=29)
    assert sum(await asyncio.gather(*(x.tick() for x in runners))) == 0
    kit.clock.advance(minutes=1)
    assert sum(await asyncio.gather(*(x.tick() for x in runners))) == 1
    seen = [s for b in boards for s in b.seen]
    assert [phase for _, phase, _ in seen] == [Phase.VOTING, Phase.REVEALED]
    assert seen[1][2] is not None and [x.submission.track.title for x in seen[1][2].ranking] == ["One"]


async def test_a_hand_closed_round_gets_its_voting_time_from_then(kit: Kit) -> None:
    r = await open_round(kit, closes=None, voting="1h")
    assert r.next_at is None
    kit.clock.advance(minutes=10)
    closed = await kit.rounds.close(OWNER, r.id)
    assert closed is not None and closed.voting_ends_at == kit.clock.now() + timedelta(hours=1)
    assert await kit.rounds.close(OWNER, r.id) is None
    cancelled = await kit.rounds.cancel(OWNER, r.id)
    assert cancelled.phase is Phase.CANCELLED and await kit.rounds.running(G) == []
