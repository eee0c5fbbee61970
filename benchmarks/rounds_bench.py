"""Round benchmark: MEMBERS members submit and then vote on one round within one minute, through the round service
on one SQLite file (the embedded store), with the members' requests arriving spread over the minute.

Each member sends SUBMITS submissions at once (one more than the quota of 3: the extra one must be refused) in the
first half of the minute, then, after the round closes, VOTES vote toggles at once for other members' tracks (one
more than the 3 votes each has) in the second half. Measured: the answer time of every request (p50, p99, max),
quota violations (members holding more than the quota: must be 0) and lost votes (votes answered as counted but not
in the store, or in the store but refused: must be 0).

    .venv/bin/python benchmarks/rounds_bench.py [--members 500] [--window 60] [--runs 3]

Human-readable lines first, then one JSON object on the last line (the median of the runs, with the range).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.clock import SystemClock
from bot.domain.errors import LimitExceeded
from bot.domain.permissions import Actor
from bot.domain.rounds.models import Results, Round
from bot.domain.rounds.runner import RoundRunner
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.rounds import RoundService
from storage import open_storage

GUILD = 1
QUOTA = 3
VOTES = 3


class Edits:
    """An announcer that counts the announcement edits it is asked for."""

    def __init__(self) -> None:
        self.count = 0

    async def changed(self, r: Round, results: Results | None) -> None:
        self.count += 1


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def one_run(members: int, window: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        async with open_storage(mongodb_uri=None, database="bench", sqlite_path=Path(tmp) / "r.sqlite3") as storage:
            clock = SystemClock()
            music = MusicService(None, storage.accounts, clock=clock)
            playlists = PlaylistService(storage, limits=Limits(max_tracks=10_000), clock=clock, tracks=music)
            rounds = RoundService(storage, playlists, music, storage.guilds, clock=clock)
            playlists.use_hooks(rounds)
            host = Actor(guild_id=GUILD, user_id=1, manage_guild=True)
            r = await rounds.start(host, "Night drive", "songs for a night drive", channel_id=9, per_member=QUOTA)
            edits = Edits()
            runner = RoundRunner(rounds, edits, clock=clock)  # counts refreshed after submits, debounced
            rounds.on_counts(runner.counts_changed)
            await rounds.set_message(r, 1)
            people = [Actor(guild_id=GUILD, user_id=1000 + i) for i in range(members)]
            timings: list[float] = []
            refused_submits = 0

            async def timed(work: Any) -> Any:
                began = time.perf_counter()
                try:
                    return await work
                finally:
                    timings.append(time.perf_counter() - began)

            async def submitter(i: int, at: float) -> None:
                nonlocal refused_submits
                await asyncio.sleep(at)
                sends = [
                    timed(rounds.submit_typed(people[i], r.id, f"Artist {i} - Song {i}.{k}")) for k in range(QUOTA + 1)
                ]
                for outcome in await asyncio.gather(*sends, return_exceptions=True):
                    if isinstance(outcome, LimitExceeded):
                        refused_submits += 1
                    elif isinstance(outcome, BaseException):
                        raise outcome

            half = window / 2
            began = time.perf_counter()
            await asyncio.gather(*(submitter(i, rng.uniform(0, half)) for i in range(members)))
            submit_s = time.perf_counter() - began
            await runner.close()
            await rounds.close(host, r.id)
            subs = await storage.rounds.submissions(GUILD, r.id)
            by_member: dict[int, int] = {}
            for s in subs:
                by_member[s.member_id] = by_member.get(s.member_id, 0) + 1
            violations = sum(1 for n in by_member.values() if n > QUOTA)
            acked: set[tuple[int, str]] = set()
            refused_votes = 0

            async def voter(i: int, at: float) -> None:
                nonlocal refused_votes
                await asyncio.sleep(at)
                others = [s for s in subs if s.member_id != people[i].user_id]
                picks = rng.sample(others, VOTES + 1)
                sends = [timed(rounds.toggle_vote(people[i], r.id, s.id)) for s in picks]
                for s, outcome in zip(picks, await asyncio.gather(*sends, return_exceptions=True), strict=True):
                    if isinstance(outcome, LimitExceeded):
                        refused_votes += 1
                    elif isinstance(outcome, BaseException):
                        raise outcome
                    elif outcome[0]:
                        acked.add((people[i].user_id, s.id))

            began = time.perf_counter()
            await asyncio.gather(*(voter(i, rng.uniform(0, half)) for i in range(members)))
            vote_s = time.perf_counter() - began
            stored: set[tuple[int, str]] = set()
            for p in people:
                stored |= {(p.user_id, sid) for sid in await storage.rounds.votes_of(GUILD, r.id, p.user_id)}
            counted = sum(s.votes for s in await storage.rounds.submissions(GUILD, r.id))
            lost = len(acked ^ stored) + abs(counted - len(stored))
            results = await rounds.reveal(host, r.id)
            assert results is not None
    return {
        "requests": len(timings),
        "p50_ms": round(pct(timings, 0.50) * 1000, 2),
        "p99_ms": round(pct(timings, 0.99) * 1000, 2),
        "max_ms": round(max(timings) * 1000, 2),
        "submissions": len(subs),
        "refused_submits": refused_submits,
        "quota_violations": violations,
        "votes": len(stored),
        "refused_votes": refused_votes,
        "lost_votes": lost,
        "announcement_edits": edits.count,
        "submit_phase_s": round(submit_s, 2),
        "vote_phase_s": round(vote_s, 2),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": len(runs)}
    for key in runs[0]:
        values = [run[key] for run in runs]
        out[key] = statistics.median(values)
        out[f"{key}_range"] = [min(values), max(values)]
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which the requests arrive")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    runs = []
    for n in range(args.runs):
        run = await one_run(args.members, args.window, seed=n)
        print(f"run {n + 1}: " + ", ".join(f"{k}={v}" for k, v in run.items()))
        runs.append(run)
    result = summary(runs) | {"members": args.members, "window_s": args.window, "store": "sqlite", "path": "service"}
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
