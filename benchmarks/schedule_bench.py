"""Scheduled-post benchmark: SCHEDULES posts due in the same minute across SERVERS servers, two runners on one store.

One SQLite file holds the schedules (SCHEDULES / SERVERS per server, each server one playlist of three tracks and
one channel). Two runners, each with its own store connection (as two processes would have) and its own discord.py
HTTP client logged in to the local Discord simulator, claim and post concurrently. The simulator holds message
posts to a rate limit (default 50 a second, Discord's global limit for a bot; both runners share it, as two shards
of one bot do); discord.py waits on its headers and retries its 429s. Each runner's poster goes through its own
pacer at half the rate (one of two shards: the app's default share), so the posts should come without 429s
(`--no-pacer` runs without it, as before the pacer existed). Measured: the time from the due minute until
every occurrence is posted, store round trips per post (both stores' counters together), the rate the posts came
at against the limit, and duplicates and misses (both must be 0), counted from the messages in the simulator.

    .venv/bin/python benchmarks/schedule_bench.py [--schedules 10000] [--servers 1000] [--rate 50] [--runs 3]
                                                  [--no-pacer] [--no-spec]

Human-readable lines first, then one JSON object on the last line (the median of the runs, with the range).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.models import NewEntry, NewPlaylist, Track
from bot.domain.schedules.models import NewSchedule
from bot.domain.schedules.pacing import PostPacer, process_rate
from bot.domain.schedules.recurrence import Every
from bot.domain.schedules.runner import RunnerSettings, ScheduleRunner
from bot.domain.services.playlists import PlaylistService
from bot.sandbox.clock import SettableClock
from bot.sandbox.discord_sim import DiscordSimulator
from cogs.playlists.views import PageButton
from cogs.schedules.poster import DiscordPoster
from storage import open_storage

DUE = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)


async def seed(path: Path, sim: DiscordSimulator, schedules: int, servers: int) -> None:
    per_server = -(-schedules // servers)
    async with open_storage(mongodb_uri=None, database="bench", sqlite_path=path) as store:
        made = 0
        for n in range(servers):
            guild = sim.add_guild(f"Server {n}", channels=("music",))
            channel = next(iter(guild.channels.values()))
            playlist = await store.playlists.create(
                NewPlaylist(guild_id=guild.id, name="Friday", name_key="friday", owner_id=1, created_at=DUE),
                max_per_guild=10,
            )
            tracks = [Track(artist=f"Artist {i}", title=f"Song {i}") for i in range(3)]
            entries = [NewEntry(track=t, norm_key=f"a{i}", added_by=1, added_at=DUE) for i, t in enumerate(tracks)]
            await store.entries.append(guild.id, playlist.id, entries, max_tracks=100, at=DUE)
            for _ in range(min(per_server, schedules - made)):
                await store.schedules.create(
                    NewSchedule(guild_id=guild.id, channel_id=channel.id, what="playlist", target=playlist.id,
                                label="Friday", every=Every.DAY, cron="0 18 * * *", timezone="UTC", created_by=1,
                                created_at=DUE - timedelta(days=1), next_run_at=DUE + timedelta(seconds=made % 60)),
                    max_per_guild=per_server,
                )  # fmt: skip
                made += 1


async def one_run(schedules: int, servers: int, rate: int, check_spec: bool, pace: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="schedule-bench-") as folder:
        path = Path(folder) / "sharify.sqlite3"
        async with DiscordSimulator(check_spec=check_spec) as sim, contextlib.AsyncExitStack() as stack:
            sim.set_rate_limit("POST /channels/*/messages", rate, 1.0)
            t_seed = time.perf_counter()
            await seed(path, sim, schedules, servers)
            seeded_s = time.perf_counter() - t_seed
            clock = SettableClock(DUE + timedelta(seconds=60))  # the whole due minute has passed
            stack.enter_context(sim.patch_discord())
            runners = []
            stores = []
            for n in range(2):
                store = await stack.enter_async_context(
                    open_storage(mongodb_uri=None, database="bench", sqlite_path=path)
                )
                client = discord.Client(intents=discord.Intents.none())
                await client.login(sim.token)
                stack.push_async_callback(client.close)
                playlists = PlaylistService(store, clock=clock)
                # Without pacing: a pacer too generous to ever wait (what the poster did before it had one).
                share = process_rate(rate, 1, 2) if pace else 1e9
                poster = DiscordPoster(client, playlists, PageButton.bound(playlists), PostPacer(clock, rate=share))
                settings = RunnerSettings(poll_s=0.2, batch=50, concurrency=25, lease=timedelta(minutes=5))
                runners.append(ScheduleRunner(store.schedules, poster, clock=clock, settings=settings, owner=f"r{n}"))
                stores.append(store)
                store.io.reset()
            sim.state.requests.clear()
            started = time.perf_counter()
            tasks = [asyncio.create_task(r.run()) for r in runners]
            while await stores[0].schedules.due(now=clock.now()):  # noqa: ASYNC110 - the store is the truth
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            for r in runners:
                await r.stop()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            posts = [m for m in sim.state.messages.values() if m.interaction_id is None]
            keys = Counter(m.embeds[0]["footer"]["text"].rsplit(" ", 1)[-1] for m in posts)
            round_trips = sum(s.io.round_trips for s in stores)
            return {
                "schedules": schedules,
                "servers": servers,
                "seconds_until_all_posted": round(elapsed, 2),
                "ideal_seconds_at_rate": round(schedules / rate, 2),
                "posts_per_second": round(len(posts) / elapsed, 1),
                "store_round_trips_per_post": round(round_trips / max(1, len(posts)), 2),
                "duplicates": sum(c - 1 for c in keys.values()),
                "misses": schedules - len(keys),
                "posted_by_runner": [r.posted for r in runners],
                "rate_limit_overruns": len(sim.faults.overruns),
                "paced": pace,
                "seed_seconds": round(seeded_s, 1),
            }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {k: runs[0][k] for k in ("schedules", "servers", "ideal_seconds_at_rate")}
    for key in ("seconds_until_all_posted", "posts_per_second", "store_round_trips_per_post"):
        values = [r[key] for r in runs]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    out["duplicates"] = sum(r["duplicates"] for r in runs)
    out["misses"] = sum(r["misses"] for r in runs)
    out["posted_by_runner"] = [r["posted_by_runner"] for r in runs]
    overruns = [r["rate_limit_overruns"] for r in runs]
    out["rate_limit_overruns"] = {"median": statistics.median(overruns), "min": min(overruns), "max": max(overruns)}
    out["paced"] = runs[0]["paced"]
    out["runs"] = len(runs)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--servers", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=50, help="message posts per second the simulator allows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-spec", action="store_true", help="skip the OpenAPI check of each request body")
    parser.add_argument("--no-pacer", action="store_true", help="post without the client-side pacer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    runs = []
    for n in range(args.runs):
        result = await one_run(args.schedules, args.servers, args.rate, not args.no_spec, not args.no_pacer)
        print(f"run {n + 1}: {json.dumps(result)}", flush=True)
        runs.append(result)
    print(json.dumps(summarize(runs)))


if __name__ == "__main__":
    asyncio.run(main())
