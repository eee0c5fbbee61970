"""Interaction benchmark: the real Sharify (real composition root, real SQLite store) against the local Discord
simulator, answering storage-only commands (10% /playlist create, 70% /playlist add, 20% /playlist show over a
few guilds and playlists) fired open-loop at 10, 50 and 200 interactions per second.

Per interaction it measures the time from the gateway dispatch to the bot's first callback (what Discord's 3 s
deadline is about), and per rate the throughput (completed replies per second), missed deadlines, violations and
errors. The aim on a 2-core machine: p99 under 100 ms at 50/s, no missed deadline at 200/s.

Overload (`--knee N`): the rates become N, 2N and 4N (N: the rate past which one process stops keeping up, about
300-400/s on a 2-core machine, less when other work shares it). Past the knee the bot sheds what it can no longer
answer in time (an interaction whose time left does not cover the recent time to a first response is dropped before
any work, unanswered) and serves the newest first; the report gives, per rate, the interactions completed within
Discord's 3 s per second of offered load, how many the bot shed (read from its /metrics) and how many answers came
too late (work spent on an expired interaction). The aim: at 2N and 4N, at least 90 % of the completions per second
at N, and no late answer.

By default the bot runs in a child process, so the simulator and the load generator (which build and send every
interaction in this process) don't compete with the bot for one event loop; ``--same-process`` runs everything on
one loop (what the end-to-end tests do), which charges the simulator's own work to the bot's latency. ``--pin`` puts
the bot alone on one CPU and the simulator and load generator on the others, so that at 4N the generator's own work
does not take the bot's CPU: the overload figures then measure the bot.

The simulator keeps a record of every interaction (tens of thousands at 4N), and a full collection of that heap by
Python's cyclic garbage collector stalls this process for about 0.4 s, several times per rate: for that long no
interaction is dispatched and no callback is acknowledged, so the bot sits idle waiting on Discord and the figure
measures the generator's pauses. As `timeit` does, the generator therefore runs each timed rate with its collector
off (it collects, and freezes what survives, between rates); the bot keeps Python's default collector. The report
gives the generator's collections during the rates and its longest pause; ``--generator-gc`` keeps its collector
on, to compare.

``--expired`` offers only interactions already a minute old, so the bot sheds every one: with the bot's CPU column,
what reading and shedding costs it per interaction offered, on the real socket.

``--round-trip-ms 100`` puts each REST request (an interaction callback among them) 100 ms on the network, as from a
cloud region to Discord; on loopback it is well under a millisecond.

    .venv/bin/python benchmarks/interactions_bench.py [--duration 10] [--rates 10,50,200] [--same-process]
    .venv/bin/python benchmarks/interactions_bench.py --knee 350 --duration 10 [--pin] [--generator-gc]
        [--round-trip-ms 100]

Human-readable lines first, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import math
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build
from bot.config import Settings
from bot.sandbox.discord_sim import DiscordSimulator, NoResponseError, Reply, SimGuild, SimMember, run_client
from bot.sandbox.harness import sharify_on

ROOT = Path(__file__).resolve().parent.parent
GUILDS = 4
PLAYLISTS_PER_GUILD = 3
MEMBERS_PER_GUILD = 3
MIX = (("create", 0.10), ("add", 0.70), ("show", 0.20))
IN_FLIGHT = [Settings.model_fields["max_interactions_in_flight"].default]  # --in-flight, passed to the child too
PIN = [False]  # --pin
GENERATOR_GC = [False]  # --generator-gc
BOT_PID: list[int | None] = [None]  # the bot's child process, when it runs in one


@dataclass
class Target:
    guild: SimGuild
    members: list[SimMember]
    playlists: list[str]


@dataclass
class Outcome:
    kind: str
    scheduled_at: float
    latency_ms: float | None = None
    sent_lag_ms: float | None = None  # how late the dispatch left the simulator compared with its schedule
    done_at: float | None = None
    error: str | None = None


@dataclass
class RateResult:
    rate: int
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)
    missed_deadlines: int = 0
    violations: int = 0
    wall_s: float = 0.0
    shed: float | None = None  # the bot's sharify_interactions_shed_total during this rate (when it can be read)
    generator_gc: tuple[int, float] = (0, 0.0)  # this process's collections during the rate, and the longest (ms)
    bot_cpu: float | None = None  # the bot process's CPU time while the load was offered, over that time (1.0: a core)
    generator_cpu: float = 0.0  # the same for this process (the simulator and the load generator)

    def latencies(self, kind: str | None = None) -> list[float]:
        """Ascending dispatch-to-first-callback times, of every interaction or of one kind."""
        return sorted(
            o.latency_ms for o in self.outcomes if o.latency_ms is not None and (kind is None or o.kind == kind)
        )

    def summary(self) -> dict[str, Any]:
        lat = self.latencies()
        done = [o.done_at for o in self.outcomes if o.done_at is not None and o.error is None]
        lags = sorted(o.sent_lag_ms for o in self.outcomes if o.sent_lag_ms is not None)
        in_time = [o for o in self.outcomes if o.error is None and o.latency_ms is not None and o.latency_ms <= 3000]
        return {
            "in_time_per_s": round(len(in_time) / self.duration, 1),
            "shed": self.shed,
            "sent": len(self.outcomes),
            "completed": len(done),
            "p50_ms": round(percentile(lat, 50), 1),
            "p90_ms": round(percentile(lat, 90), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "max_ms": round(lat[-1], 1) if lat else math.nan,
            "mean_ms": round(statistics.fmean(lat), 1) if lat else math.nan,
            "throughput_per_s": round(len(done) / self.wall_s, 1) if self.wall_s else 0.0,
            "send_lag_p99_ms": round(percentile(lags, 99), 1),
            "bot_cpu": None if self.bot_cpu is None else round(self.bot_cpu, 2),
            "generator_cpu": round(self.generator_cpu, 2),
            "generator_gc": {"collections": self.generator_gc[0], "longest_ms": round(self.generator_gc[1], 1)},
            "missed_deadlines": self.missed_deadlines,
            "violations": self.violations,
            "errors": sum(1 for o in self.outcomes if o.error is not None),
            "by_kind_p99_ms": {kind: round(percentile(self.latencies(kind), 99), 1) for kind, _ in MIX},
        }


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending sequence (nan when empty)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class Pauses:
    """This process's garbage collections (count, longest pause), measured with `gc.callbacks`."""

    def __init__(self) -> None:
        self.count = 0
        self.longest_ms = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._started) * 1000)


@contextlib.contextmanager
def generator_gc_off() -> Iterator[Pauses]:
    """One timed rate of the generator: its heap so far collected and frozen (never scanned again), its collector
    off until the rate ends, unless `--generator-gc`. The pauses that still happen are counted."""
    gc.collect()
    gc.freeze()
    pauses = Pauses()
    gc.callbacks.append(pauses)
    if not GENERATOR_GC[0]:
        gc.disable()
    try:
        yield pauses
    finally:
        gc.enable()
        gc.callbacks.remove(pauses)


# -- the world and the bot ------------------------------------------------------------------------------------------


def populate(sim: DiscordSimulator) -> list[Target]:
    targets = []
    for g in range(GUILDS):
        guild = sim.add_guild(f"Bench {g}")
        members = [sim.add_member(guild, f"member{g}-{m}") for m in range(MEMBERS_PER_GUILD)]
        targets.append(Target(guild, members, [f"Mix {g}-{p}" for p in range(PLAYLISTS_PER_GUILD)]))
    return targets


def bot_settings(data_dir: Path, health_port: int = 0) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        health_host="127.0.0.1",
        health_port=health_port,
        log_level="WARNING",
        max_playlists_per_guild=10_000,
        max_tracks_per_playlist=100_000,
        max_interactions_in_flight=IN_FLIGHT[0],
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int | None) -> float | None:
    """A process's user + system CPU time so far, from /proc (None without a process or where there is no /proc)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def shed_total(port: int) -> float:
    """The bot's sharify_interactions_shed_total, summed over reasons, read from its /metrics."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as r:
        text = await r.text()
    lines = [line for line in text.splitlines() if line.startswith("sharify_interactions_shed_total{")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines)


@contextlib.asynccontextmanager
async def bot_in_this_process(sim: DiscordSimulator, data_dir: Path, port: int) -> AsyncIterator[str]:
    async with sharify_on(sim, bot_settings(data_dir, port)):
        yield "same process, one event loop shared with the simulator and the load generator"


@contextlib.asynccontextmanager
async def bot_in_a_child(sim: DiscordSimulator, data_dir: Path, port: int) -> AsyncIterator[str]:
    """Run the bot in its own process (`--serve-bot`), pointed at this process's simulator; stop it on exit by
    closing its stdin."""
    args = ["--serve-bot", sim.api_base, sim.gateway_url, sim.token, str(data_dir), str(port)]
    args += ["--in-flight", str(IN_FLIGHT[0])]
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, *args, stdin=asyncio.subprocess.PIPE, cwd=ROOT
    )
    BOT_PID[0] = child.pid
    pinned = ""
    if PIN[0] and hasattr(os, "sched_setaffinity") and len(cpus := sorted(os.sched_getaffinity(0))) >= 2:
        # The bot alone on one CPU, the simulator and the load generator on the others: what is measured is the bot,
        # not how the load generator's own work at 4x steals the bot's CPU.
        os.sched_setaffinity(child.pid, {cpus[-1]})
        os.sched_setaffinity(0, set(cpus[:-1]))
        pinned = f"; bot pinned to CPU {cpus[-1]}, simulator and load to {cpus[:-1]}"
    try:
        await sim.wait_connected(within=30)
        assert sim.commands.get(None), "the bot syncs its commands in setup_hook, before it connects"
        yield f"bot in a child process (pid {child.pid}); simulator and load generator in this one{pinned}"
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), 15)
        except TimeoutError:
            child.kill()
            await child.wait()


async def serve_bot(api_base: str, gateway_url: str, token: str, data_dir: str, port: str) -> None:
    """The child's side: the real composition root, connected to the parent's simulator until stdin closes."""
    logging.basicConfig(level=logging.WARNING)
    async with (
        build(bot_settings(Path(data_dir), int(port))) as app,
        run_client(app.bot, token=token, api_base=api_base, gateway_url=gateway_url, ready_timeout=30),
    ):
        await asyncio.to_thread(sys.stdin.read)


# -- load -----------------------------------------------------------------------------------------------------------


class Load:
    """Picks each interaction (kind, guild, member, playlist) from a seeded generator."""

    def __init__(self, targets: list[Target], seed: int) -> None:
        self.targets = targets
        self.random = random.Random(seed)
        self.created = 0
        self.tracks = 0

    def next(self) -> tuple[str, SimGuild, SimMember, dict[str, Any], Callable[[Reply], bool]]:
        kind = self.random.choices([k for k, _ in MIX], weights=[w for _, w in MIX])[0]
        target = self.random.choice(self.targets)
        member = self.random.choice(target.members)
        if kind == "create":
            self.created += 1
            name = f"Fresh {self.created}"
            return kind, target.guild, member, {"name": name}, lambda r: f"Created **{name}**" in r.content
        playlist = self.random.choice(target.playlists)
        if kind == "add":
            self.tracks += 1
            values = {"name": playlist, "track": f"Artist {self.tracks % 97} - Song {self.tracks}"}
            return kind, target.guild, member, values, lambda r: "Added **Artist" in r.content
        return kind, target.guild, member, {"name": playlist}, lambda r: bool(r.embeds) and not r.ephemeral


async def one(sim: DiscordSimulator, load: Load, outcome: Outcome) -> None:
    kind, guild, member, values, ok = load.next()
    outcome.kind = kind
    try:
        reply = await sim.command(guild, member, f"playlist {kind}", **values)
    except NoResponseError as error:
        outcome.error = str(error)
        return
    except Exception as error:  # every failure is counted, none stops the run
        outcome.error = f"{type(error).__name__}: {error}"
        return
    outcome.done_at = time.monotonic()
    outcome.latency_ms = reply.latency_ms
    if reply.record.dispatched_at is not None:
        outcome.sent_lag_ms = (reply.record.dispatched_at - outcome.scheduled_at) * 1000
    if reply.errors or not ok(reply):
        outcome.error = f"unexpected reply {reply!r} {reply.errors}"


async def fire(sim: DiscordSimulator, load: Load, rate: int, duration: float, port: int | None = None) -> RateResult:
    """Open loop: start interaction i at t0 + i/rate whether or not earlier ones were answered."""
    result = RateResult(rate, duration)
    shed0 = await shed_total(port) if port else None
    missed0, violations0 = len(sim.missed_deadlines), len(sim.violations)
    tasks: list[asyncio.Task[None]] = []
    loop = asyncio.get_running_loop()
    with generator_gc_off() as pauses:
        bot0, own0, start = cpu_seconds(BOT_PID[0]), os.times(), loop.time()
        for i in range(int(rate * duration)):
            at = start + i / rate
            delay = at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            outcome = Outcome(kind="?", scheduled_at=time.monotonic() - max(0.0, loop.time() - at))
            result.outcomes.append(outcome)
            tasks.append(asyncio.create_task(one(sim, load, outcome)))
        # CPU over the time the load was offered, not the tail spent waiting out unanswered interactions
        bot1, own1, offered_s = cpu_seconds(BOT_PID[0]), os.times(), loop.time() - start
        await asyncio.gather(*tasks)
        result.wall_s = loop.time() - start
    result.generator_gc = (pauses.count, pauses.longest_ms)
    result.generator_cpu = (own1.user + own1.system - own0.user - own0.system) / offered_s
    if bot0 is not None and bot1 is not None:
        result.bot_cpu = (bot1 - bot0) / offered_s
    result.missed_deadlines = len(sim.missed_deadlines) - missed0
    result.violations = len(sim.violations) - violations0
    if port and shed0 is not None:
        result.shed = await shed_total(port) - shed0
    return result


async def prepare(sim: DiscordSimulator, targets: list[Target]) -> None:
    for target in targets:
        for name in target.playlists:
            reply = await sim.command(target.guild, target.members[0], "playlist create", name=name)
            assert "Created" in reply.content, reply
            for n in range(5):
                await sim.command(target.guild, target.members[0], "playlist add", name=name, track=f"Seed - {n}")


# -- report ---------------------------------------------------------------------------------------------------------


def table(results: list[RateResult]) -> str:
    head = (
        f"{'rate/s':>7} {'sent':>6} {'done':>6} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'thru/s':>7} {'missed':>6} {'viol':>5} {'err':>4} {'lag p99':>8} {'gen gc':>7} {'gen cpu':>7} "
        f"{'bot cpu':>7}  p99 by kind (create/add/show)"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        s = r.summary()
        kinds = "/".join(f"{v:.1f}" for v in s["by_kind_p99_ms"].values())
        cpu = "-" if s["bot_cpu"] is None else f"{s['bot_cpu']:.2f}"
        lines.append(
            f"{r.rate:>7} {s['sent']:>6} {s['completed']:>6} {s['p50_ms']:>8.1f} {s['p90_ms']:>8.1f} "
            f"{s['p99_ms']:>8.1f} {s['max_ms']:>8.1f} {s['throughput_per_s']:>7.1f} {s['missed_deadlines']:>6} "
            f"{s['violations']:>5} {s['errors']:>4} {s['send_lag_p99_ms']:>8.1f} {r.generator_gc[1]:>7.1f} "
            f"{s['generator_cpu']:>7.2f} {cpu:>7}  "
            f"{kinds}"
        )
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    rates = [args.knee, 2 * args.knee, 4 * args.knee] if args.knee else [int(r) for r in args.rates.split(",")]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="sharify-bench-") as tmp:
        round_trip = args.round_trip_ms / 1000
        async with DiscordSimulator(
            settle=0.0, response_timeout=6.0, check_spec=not args.no_spec, round_trip=round_trip
        ) as sim:
            targets = populate(sim)
            runner = bot_in_this_process if args.same_process else bot_in_a_child
            async with runner(sim, Path(tmp), port) as where:
                print(f"setup: {where}; {os.cpu_count()} CPUs; {GUILDS} guilds x {PLAYLISTS_PER_GUILD} playlists; "
                      f"mix {', '.join(f'{k} {w:.0%}' for k, w in MIX)}; {args.duration:g} s per rate")  # fmt: skip
                await prepare(sim, targets)
                load = Load(targets, args.seed)
                await fire(sim, load, 20, 1.0)  # warm-up, not reported
                if args.expired:
                    sim.state.interaction_age = 60.0
                    sim.response_timeout = 0.5  # none will be answered: don't wait long for each
                results = []
                for rate in rates:
                    results.append(await fire(sim, load, rate, args.duration, port))
                    s = results[-1].summary()
                    print(f"  {rate}/s: {s['completed']} replies, {s['in_time_per_s']}/s within 3 s, "
                          f"shed {s['shed']}, late {s['missed_deadlines']}", flush=True)  # fmt: skip
    print()
    print(table(results))
    print("latency = gateway dispatch -> first callback (Reply.latency_ms); lag = dispatch time vs schedule; "
          "gen gc = the generator's longest garbage-collection pause during the rate (ms); "
          "gen cpu, bot cpu = the generator's and the bot's CPU time while the load was offered, over that time "
          "(1.0 = one core)")  # fmt: skip
    errors = [o.error for r in results for o in r.outcomes if o.error]
    for error in errors[:5]:
        print(f"  error: {error}")
    out: dict[str, Any] = {"rates": {str(r.rate): r.summary() for r in results}}
    by_rate = out["rates"]
    aim: dict[str, bool] = {}
    if "50" in by_rate:
        aim["p99_under_100ms_at_50"] = by_rate["50"]["p99_ms"] < 100
    if "200" in by_rate:
        aim["no_missed_at_200"] = by_rate["200"]["missed_deadlines"] == 0 and by_rate["200"]["errors"] == 0
    if args.knee:
        knee = by_rate[str(args.knee)]["in_time_per_s"]
        for factor in (2, 4):
            at = by_rate[str(factor * args.knee)]
            ratio = at["in_time_per_s"] / knee if knee else 0.0
            out[f"ratio_{factor}x"] = round(ratio, 3)
            aim[f"at_{factor}x_90pct_of_knee"] = ratio >= 0.9
            aim[f"no_late_answer_at_{factor}x"] = at["missed_deadlines"] == 0
        print(f"completed within 3 s per second: knee {knee}, 2x {out['ratio_2x']:.0%}, 4x {out['ratio_4x']:.0%}")
    out["aim"] = aim
    out["setup"] = {
        "in_flight": IN_FLIGHT[0],
        "same_process": args.same_process,
        "spec_checked": not args.no_spec,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "pinned": PIN[0] and not args.same_process,
        "generator_gc": GENERATOR_GC[0],
        "round_trip_ms": args.round_trip_ms,
        "expired": args.expired,
    }
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per rate (default 10)")
    parser.add_argument("--rates", default="10,50,200", help="interactions per second, comma-separated")
    parser.add_argument("--same-process", action="store_true", help="run the bot on the simulator's event loop")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-spec", action="store_true", help="don't check request bodies against Discord's spec")
    parser.add_argument("--knee", type=int, default=0, help="overload: run at KNEE, 2x and 4x it (replaces --rates)")
    parser.add_argument("--pin", action="store_true", help="pin the bot to one CPU, simulator and load to the rest")
    parser.add_argument(
        "--round-trip-ms", type=float, default=0.0, help="network round trip of each REST request (as to Discord)"
    )
    parser.add_argument("--expired", action="store_true", help="offer only interactions past their deadline")
    parser.add_argument("--generator-gc", action="store_true", help="keep the generator's collector on during rates")
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT[0], help="SHARIFY_MAX_INTERACTIONS_IN_FLIGHT")
    child = ("API", "GATEWAY", "TOKEN", "DATA_DIR", "PORT")
    parser.add_argument("--serve-bot", nargs=5, metavar=child, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    IN_FLIGHT[0] = arguments.in_flight
    PIN[0] = arguments.pin
    # On one loop with the bot, the collector stays on: the bot keeps Python's default collector.
    GENERATOR_GC[0] = arguments.generator_gc or arguments.same_process
    if arguments.serve_bot:
        asyncio.run(serve_bot(*arguments.serve_bot))
    else:
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(asyncio.run(main(arguments)), separators=(",", ":")))
