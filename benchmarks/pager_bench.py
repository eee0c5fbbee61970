"""Pager memory benchmark: what each /playlist show leaves behind in the bot.

The real Sharify (real composition root, real SQLite store) and the local Discord simulator run in this one process.
A playlist of three pages is shown SHOWS times in a row (so each reply carries the pager's buttons); the process's
memory is measured before and after, both with tracemalloc (Python allocations still alive) and as the resident set
size (RSS, from /proc), and again after a full garbage collection. The per-show growth is (after - before) / SHOWS.

The simulator's own records of what happened (its messages, interactions, request log and gateway replay
history) are cleared after every batch: they would otherwise grow with every show and be counted against the bot.
The bot is warmed up first with WARMUP shows, so caches that fill once (discord.py's message cache, SQLite's page
cache) are full before measuring.

    .venv/bin/python benchmarks/pager_bench.py [--shows 5000] [--warmup 1100] [--no-tracemalloc]

Human-readable lines first, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.domain.models import Track
from bot.domain.permissions import Actor
from bot.sandbox.discord_sim import DiscordSimulator, SimGuild, SimMember
from bot.sandbox.harness import sharify_on

BATCH = 100  # shows between two clean-ups of the simulator's records
TRACKS = 25  # three pages of ten: every reply has the pager's buttons


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def traced_bytes() -> int:
    return tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0


def forget(sim: DiscordSimulator) -> None:
    """Drop the simulator's history (not the bot's state): only the bot's growth should be measured."""
    state = sim.state
    state.messages.clear()
    state.interactions.clear()
    state.by_token.clear()
    state.requests.clear()
    state.attachments.clear()
    sim.gateway.events.clear()
    for session in sim.gateway.sessions.values():
        session.history.clear()  # kept for a RESUME replay


def snapshot() -> dict[str, int]:
    before_gc = {"traced": traced_bytes(), "rss": rss_bytes()}
    gc.collect()
    return {**before_gc, "traced_gc": traced_bytes(), "rss_gc": rss_bytes()}


async def shows(sim: DiscordSimulator, guild: SimGuild, members: list[SimMember], count: int) -> int:
    failures = 0
    for n in range(count):
        reply = await sim.command(guild, members[n % len(members)], "playlist show", name="Chill")
        if not reply.embeds or reply.ephemeral or len(reply.buttons()) != 4:
            failures += 1
        if n % BATCH == BATCH - 1:
            forget(sim)
    forget(sim)
    return failures


async def run(args: argparse.Namespace) -> dict[str, Any]:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="pager-bench-") as data_dir:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(data_dir), health_port=0, log_level="WARNING", max_tracks_per_playlist=100
        )
        # settle=0: a show answers in one callback, so don't wait for more after it
        async with DiscordSimulator(response_timeout=10.0, settle=0.0) as sim:
            guild = sim.add_guild("Bench")
            members = [sim.add_member(guild, f"member{m}") for m in range(4)]
            async with sharify_on(sim, settings) as app:
                actor = Actor(guild_id=guild.id, user_id=members[0].user.id)
                await app.services.playlists.create(actor, "Chill")
                tracks = [Track(artist=f"Artist {n}", title=f"Song {n}") for n in range(1, TRACKS + 1)]
                await app.services.playlists.add(actor, "Chill", tracks)

                failures = await shows(sim, guild, members, args.warmup)
                if args.tracemalloc:
                    tracemalloc.start()
                before = snapshot()
                started = time.perf_counter()
                failures += await shows(sim, guild, members, args.shows)
                wall = time.perf_counter() - started
                after = snapshot()
                missed = len(sim.missed_deadlines)
    per_show = {key: round((after[key] - before[key]) / args.shows) for key in before}
    return {
        "shows": args.shows,
        "warmup": args.warmup,
        "wall_s": round(wall, 1),
        "shows_per_s": round(args.shows / wall, 1),
        "failures": failures,
        "missed_deadlines": missed,
        "before": before,
        "after": after,
        "per_show_bytes": per_show,
        "per_show_kib_traced_after_gc": round(per_show["traced_gc"] / 1024, 2),
        "per_show_kib_rss_after_gc": round(per_show["rss_gc"] / 1024, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shows", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=1100)
    parser.add_argument("--no-tracemalloc", dest="tracemalloc", action="store_false")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    mib = 1024 * 1024
    print(f"{result['shows']} shows in {result['wall_s']} s ({result['shows_per_s']}/s), failures {result['failures']}")
    for key, label in (("traced_gc", "tracemalloc, after gc"), ("rss_gc", "RSS, after gc")):
        grown = result["after"][key] - result["before"][key]
        print(f"{label:>22}: +{grown / mib:.1f} MiB, {result['per_show_bytes'][key] / 1024:.2f} KiB per show")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
