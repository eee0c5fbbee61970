"""Rounds kept right over time, with the controlled clock: lagging announcements repaired by the runner, counts
refreshed without edit storms, withdrawals that free the quota, imports refused, and the data-rights paths."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.errors import Conflict, LimitExceeded
from bot.domain.rounds.models import Phase, Results, Round
from bot.domain.rounds.runner import RoundRunner
from bot.domain.services.privacy import PrivacyService
from tests.domain.rounds.conftest import ALICE, BOB, CAROL, OWNER, G, Kit
from tests.domain.rounds.test_round_service import Board, open_round


class Down:
    """An announcer whose Discord is unreachable (the process stops before its edit lands)."""

    async def changed(self, r: Round, results: Results | None) -> None:
        raise ConnectionError("gone")


class Timed(Board):
    def __init__(self, kit: Kit) -> None:
        super().__init__()
        self.at: list[float] = []
        self._kit = kit

    async def changed(self, r: Round, results: Results | None) -> None:
        self.at.append(self._kit.clock.monotonic())
        await super().changed(r, results)


async def settle(runner: RoundRunner) -> None:
    while runner._pending:
        await asyncio.gather(*runner._pending.values())


async def test_an_announcement_left_lagging_by_a_failed_edit_is_repaired_by_the_next_tick(kit: Kit) -> None:
    r = await open_round(kit, closes="1h", voting="10m")
    await kit.rounds.set_message(r, 4242)
    await kit.rounds.submit_typed(ALICE, r.id, "A - One")
    kit.clock.advance(hours=1)
    assert await RoundRunner(kit.rounds, Down(), clock=kit.clock).tick() == 1  # moved, but never announced
    board = Board()
    later = RoundRunner(kit.rounds, board, clock=kit.clock)
    assert await later.tick() == 0
    assert [(rid, phase) for rid, phase, _ in board.seen] == [(r.id, Phase.VOTING)]
    await later.tick()  # announced now: not again
    assert len(board.seen) == 1
    kit.clock.advance(minutes=10)
    assert await RoundRunner(kit.rounds, Down(), clock=kit.clock).tick() == 1  # revealed, results never posted
    await later.tick()
    assert [phase for _, phase, _ in board.seen] == [Phase.VOTING, Phase.REVEALED]
    results = board.seen[1][2]
    assert results is not None and [x.submission.track.title for x in results.ranking] == ["One"]
    await later.tick()
    assert len(board.seen) == 2


class Waiting:
    """The kit's clock, except that sleeping waits until the test moves the clock (as real time would pass)."""

    def __init__(self, kit: Kit) -> None:
        self._kit = kit
        self._moved = asyncio.Event()

    def now(self):  # type: ignore[no-untyped-def]
        return self._kit.clock.now()

    def monotonic(self) -> float:
        return self._kit.clock.monotonic()

    async def sleep(self, seconds: float) -> None:
        until = self.monotonic() + seconds
        while self.monotonic() < until:
            self._moved.clear()
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self._kit.clock.advance(seconds=seconds)
        self._moved.set()


async def test_counts_are_refreshed_after_submits_at_most_once_per_ten_seconds(kit: Kit) -> None:
    r = await open_round(kit, per_member=10)
    board, clock = Timed(kit), Waiting(kit)
    runner = RoundRunner(kit.rounds, board, clock=clock, refresh_s=10)
    kit.rounds.on_counts(runner.counts_changed)
    await kit.rounds.submit_typed(ALICE, r.id, "A - Zero")  # no announcement yet: nothing to edit
    await settle(runner)
    assert board.seen == []
    clock.advance(60)
    await kit.rounds.set_message(r, 4242)
    for i in range(1, 25):  # 24 submits over 12 seconds
        await kit.rounds.submit_typed((ALICE, BOB, CAROL)[i % 3], r.id, f"A - Song {i}")
        for _ in range(5):
            await asyncio.sleep(0)
        clock.advance(0.5)
    clock.advance(10)
    await settle(runner)
    # 24 submits in 12 s: one edit right away, then at most one every 10 s, the last after the last submit
    assert 2 <= len(board.at) <= 3 and runner.refreshes == len(board.seen) == len(board.at)
    assert board.at[0] < 61 and all(b - a >= 10 for a, b in zip(board.at, board.at[1:], strict=False))
    assert board.at[-1] >= 71.5
    assert (await kit.rounds.tally(await kit.rounds.get(G, r.id))).submissions == 25


async def test_removing_or_undoing_a_submitted_track_while_open_frees_the_quota(kit: Kit) -> None:
    await open_round(kit, per_member=1)
    await kit.playlists.add(ALICE, "Night drive", [_track("A", "One")])
    with pytest.raises(LimitExceeded):
        await kit.playlists.add(ALICE, "Night drive", [_track("A", "Two")])
    await kit.playlists.undo(ALICE)  # takes her submission back with the track
    await kit.playlists.add(ALICE, "Night drive", [_track("A", "Two")])
    await kit.playlists.remove(ALICE, "Night drive", "1")
    r = (await kit.rounds.running(G, "Night drive"))[0]
    assert await kit.storage.rounds.submissions(G, r.id) == []
    await kit.playlists.add(ALICE, "Night drive", [_track("A", "Three")])
    await kit.rounds.close(OWNER, r.id)
    await kit.playlists.remove(ALICE, "Night drive", "1")  # while voting the submission stays in the vote
    assert len(await kit.storage.rounds.submissions(G, r.id)) == 1


async def test_an_import_into_a_playlist_with_a_round_is_refused_naming_the_round(kit: Kit) -> None:
    await open_round(kit)
    with pytest.raises(Conflict, match="night drive") as refused:
        await kit.transfer.begin(ALICE, into="Night drive", name=None)
    assert "round" in refused.value.user_message


async def test_forget_me_and_the_server_purge_reach_the_rounds(kit: Kit) -> None:
    r = await open_round(kit)
    await kit.rounds.submit_typed(ALICE, r.id, "A - One")
    privacy = PrivacyService(kit.storage, clock=kit.clock, grace_days=1)
    done = await privacy.forget_member(ALICE.user_id)
    assert done.rounds == 1
    assert [s.member_id for s in await kit.storage.rounds.submissions(G, r.id)] == [0]
    await privacy.server_removed(G)
    kit.clock.advance(days=2)
    assert await privacy.purge_removed_servers() == 1
    assert await kit.storage.rounds.get(G, r.id) is None and await kit.storage.rounds.submissions(G, r.id) == []


def _track(artist: str, title: str):  # type: ignore[no-untyped-def]
    from bot.domain.models import Track  # noqa: PLC0415

    return Track(artist=artist, title=title)
