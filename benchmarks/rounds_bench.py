"""Round benchmark: MEMBERS members submit and then vote on one round within one minute, their requests arriving
spread over the minute.

By default the real Sharify (real composition root, real SQLite store, in a child process as in
interactions_bench.py) runs against the local Discord simulator: a manager starts the round with `/round start`,
each member presses the announcement's Submit button SUBMITS times at once and sends the SUBMITS modals at once
(one more than the quota of 3: the extra one must be refused) in the first half of the minute, the manager runs
`/round close`, and in the second half each member presses Vote, may turn a page or two, and presses the toggles of
VOTES other members' tracks at once (one more than the 3 votes each has; own tracks are disabled on the ballot).
Per interaction it measures the answer time: from the gateway dispatch to the bot's first callback at the simulator
(p50, p99, max; missed 3 s deadlines). At the end it reads the store: quota violations (members holding more than
the quota), lost submits (answered as submitted but missing, or refused but present) and lost votes (toggles
answered as counted but not in the store, or in the store but answered as refused, or a stored vote count that
disagrees with the votes): all must be 0.

`--service-only` drives the round service directly on one SQLite file instead (no Discord, no bot): the same
requests, timed as service calls.

    .venv/bin/python benchmarks/rounds_bench.py [--members 500] [--window 60] [--runs 3] [--service-only]

Human-readable lines first, then one JSON object on the last line (the median of the runs, with the range).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.interactions_bench import bot_in_a_child, bot_in_this_process, bot_settings, free_port, percentile
from bot.domain.clock import SystemClock
from bot.domain.errors import LimitExceeded
from bot.domain.permissions import Actor
from bot.domain.rounds.models import Results, Round
from bot.domain.rounds.runner import RoundRunner
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.rounds import RoundService
from bot.sandbox.discord_sim import DiscordSimulator, Reply
from storage import open_storage

GUILD = 1
QUOTA = 3
VOTES = 3
SENDS = range(QUOTA + 1)
CHANNEL_MESSAGE, UPDATE_MESSAGE, SUCCESS = 4, 7, 3  # interaction callback types; the green button style


class Edits:
    """An announcer that counts the announcement edits it is asked for."""

    def __init__(self) -> None:
        self.count = 0

    async def changed(self, r: Round, results: Results | None) -> None:
        self.count += 1


async def service_run(members: int, window: float, seed: int) -> dict[str, Any]:
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
        "p50_ms": round(percentile(sorted(timings), 50) * 1000, 2),
        "p99_ms": round(percentile(sorted(timings), 99) * 1000, 2),
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


# -- the real bot against the local Discord simulator ---------------------------------------------------------------

ROUND = "Night drive"
FIELD = "Artist - Title, or words to search"  # the Submit modal's one field


@dataclass
class Answers:
    """Dispatch-to-first-callback times by kind, and every interaction that got no usable answer."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    async def of(self, kind: str, work: Awaitable[Reply]) -> Reply | None:
        try:
            reply = await work
        except Exception as error:  # every failure is counted, none stops the run
            self.errors.append(f"{kind}: {type(error).__name__}: {error}")
            return None
        if reply.latency_ms is not None:
            self.times.setdefault(kind, []).append(reply.latency_ms)
        if reply.errors:
            self.errors.append(f"{kind}: {reply.errors}")
        return reply

    def all(self) -> list[float]:
        return sorted(t for ts in self.times.values() for t in ts)


def toggles(reply: Reply) -> list[str]:
    """The custom_ids of the ballot's toggles a member may still press (not their own, not already green)."""
    found = [c for _, c in reply.iter_components() if ":t:" in str(c.get("custom_id", ""))]
    return [c["custom_id"] for c in found if not c.get("disabled") and c.get("style") != SUCCESS]


def counted(reply: Reply, custom_id: str) -> bool | None:
    """What the bot answered to a toggle: True (the ballot it sent shows the vote), False (an error: refused),
    None (something else)."""
    if reply.callback_type == UPDATE_MESSAGE:
        bodies = [b for b in reply.raw if isinstance(b, dict) and b.get("type") == UPDATE_MESSAGE]
        rows = bodies[0]["data"]["components"] if bodies else []
        return any(c.get("custom_id") == custom_id and c.get("style") == SUCCESS for r in rows for c in r["components"])
    return False if reply.callback_type == CHANNEL_MESSAGE and "You have used your" in reply.content else None


async def bot_run(members: int, window: float, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(seed)
    answers = Answers()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sharify-rounds-") as tmp:
        async with DiscordSimulator(settle=0.0, response_timeout=6.0, check_spec=not args.no_spec) as sim:
            guild = sim.add_guild("Rounds")
            host = sim.add_member(guild, "host", permissions=discord.Permissions(manage_guild=True))
            people = [sim.add_member(guild, f"member{i}") for i in range(members)]
            bot = bot_in_this_process if args.same_process else bot_in_a_child
            async with bot(sim, Path(tmp), port):
                started = await answers.of("command", sim.command(
                    guild, host, "round start", playlist=ROUND, theme="songs for a night drive", per_member=QUOTA,
                    votes=VOTES,
                ))  # fmt: skip
                assert started is not None and started.message is not None, started
                announcement = started.message.id
                round_id = str(started.components[0]["components"][0]["custom_id"]).split(":")[2]
                missed0 = len(sim.missed_deadlines)
                accepted: set[tuple[int, str]] = set()
                refused: set[tuple[int, str]] = set()

                async def submitter(i: int, at: float) -> None:
                    await asyncio.sleep(at)
                    member = people[i]
                    board = sim.posted(sim.state.messages[announcement], user=member)
                    clicks = [answers.of("submit_button", sim.click(board, "Submit", user=member)) for _ in SENDS]
                    modals = [m for m in await asyncio.gather(*clicks) if m is not None]
                    tracks = [f"Artist {i} - Song {i}.{k}" for k in range(len(modals))]
                    sends = [
                        answers.of("submit", sim.submit_modal(m, {FIELD: t}, user=member))
                        for m, t in zip(modals, tracks, strict=True)
                    ]
                    for track, done in zip(tracks, await asyncio.gather(*sends), strict=True):
                        if done is not None and "Submitted **Artist" in done.content:
                            accepted.add((member.id, track))
                        elif done is not None and f"already submitted {QUOTA} tracks" in done.content:
                            refused.add((member.id, track))
                        elif done is not None:
                            answers.errors.append(f"submit: unexpected {done!r}")

                half = window / 2
                began = time.perf_counter()
                await asyncio.gather(*(submitter(i, rng.uniform(0, half)) for i in range(members)))
                submit_s = time.perf_counter() - began
                closed = await answers.of("command", sim.command(guild, host, "round close", playlist=ROUND))
                assert closed is not None and "voting is open" in closed.content, closed
                voted: set[tuple[int, str]] = set()
                denied: set[tuple[int, str]] = set()

                async def voter(i: int, at: float) -> None:
                    await asyncio.sleep(at)
                    member = people[i]
                    board = sim.posted(sim.state.messages[announcement], user=member)
                    ballot = await answers.of("vote_button", sim.click(board, "Vote", user=member))
                    for _ in range(rng.randrange(3)):  # browse a page or two, so the votes spread over the tracks
                        if ballot is not None:
                            ballot = await answers.of("ballot_page", sim.click(ballot, "Next", user=member))
                    wanted = VOTES + 1
                    while ballot is not None and wanted > 0:
                        picks = toggles(ballot)[:wanted]
                        wanted -= len(picks)
                        presses = [answers.of("vote_toggle", sim.click(ballot, p, user=member)) for p in picks]
                        for pick, done in zip(picks, await asyncio.gather(*presses), strict=True):
                            verdict = None if done is None else counted(done, pick)
                            if verdict:
                                voted.add((member.id, pick.split(":")[4]))
                            elif verdict is False:
                                denied.add((member.id, pick.split(":")[4]))
                            elif done is not None:
                                answers.errors.append(f"toggle: unexpected {done!r}")
                        if wanted > 0:
                            ballot = await answers.of("ballot_page", sim.click(ballot, "Next", user=member))

                began = time.perf_counter()
                await asyncio.gather(*(voter(i, rng.uniform(0, half)) for i in range(members)))
                vote_s = time.perf_counter() - began
                missed = len(sim.missed_deadlines) - missed0
                drained = await quiet(sim)
                edits = sum(1 for r in sim.requests if r.method == "PATCH" and f"/messages/{announcement}" in r.path)
                violations = len(sim.violations)
            async with open_storage(
                mongodb_uri=None, database="bench", sqlite_path=bot_settings(Path(tmp)).sqlite_path
            ) as store:
                subs = await store.rounds.submissions(guild.id, round_id)
                stored = {(p.id, s) for p in people for s in await store.rounds.votes_of(guild.id, round_id, p.id)}
    for error in answers.errors[:3]:
        print(f"  error: {error[:300]}")
    kept = {(s.member_id, f"{s.track.artist} - {s.track.title}") for s in subs}
    by_member = Counter(s.member_id for s in subs)
    times = answers.all()
    return {
        "interactions": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(times[-1], 1),
        "missed_deadlines": missed,
        "errors": len(answers.errors),
        "violations": violations,
        **{f"p99_ms_{kind}": round(percentile(sorted(ts), 99), 1) for kind, ts in sorted(answers.times.items())},
        "submissions": len(subs),
        "refused_submits": len(refused),
        "quota_violations": sum(1 for n in by_member.values() if n > QUOTA),
        "lost_submits": len(accepted - kept) + len(refused & kept),
        "votes": len(stored),
        "refused_votes": len(denied),
        "lost_votes": len(voted - stored) + len(denied & stored) + abs(sum(s.votes for s in subs) - len(stored)),
        "unanswered_but_stored_votes": len(stored - voted - denied),
        "announcement_edits": edits,
        "submit_phase_s": round(submit_s, 2),
        "vote_phase_s": round(vote_s, 2),
        "drain_s": round(drained, 2),
    }


async def quiet(sim: DiscordSimulator, *, still_s: float = 2.0, within_s: float = 30.0) -> float:
    """Wait until the bot has sent Discord nothing for `still_s` (at most `within_s`): interactions the simulator
    gave up waiting for may still be running in the bot, and stopping the child process closes its store and HTTP
    session under them. Returns how long it took."""
    began = time.perf_counter()
    seen, since = len(sim.requests), began
    while (now := time.perf_counter()) - since < still_s and now - began < within_s:
        await asyncio.sleep(0.25)
        if len(sim.requests) != seen:
            seen, since = len(sim.requests), time.perf_counter()
    return time.perf_counter() - began


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
    parser.add_argument("--service-only", action="store_true", help="drive the round service, no bot or Discord")
    parser.add_argument("--same-process", action="store_true", help="run the bot on the simulator's event loop")
    parser.add_argument("--no-spec", action="store_true", help="don't check request bodies against Discord's spec")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    runs = []
    for n in range(args.runs):
        if args.service_only:
            run = await service_run(args.members, args.window, seed=n)
        else:
            run = await bot_run(args.members, args.window, n, args)
        print(f"run {n + 1}: " + ", ".join(f"{k}={v}" for k, v in run.items()), flush=True)
        runs.append(run)
    path = "service" if args.service_only else "same process" if args.same_process else "bot in a child process"
    setup = {"members": args.members, "window_s": args.window, "store": "sqlite", "path": path}
    if not args.service_only:
        setup |= {"spec_checked": not args.no_spec, "cpus": os.cpu_count()}
    print(json.dumps(summary(runs) | setup))


if __name__ == "__main__":
    asyncio.run(main())
