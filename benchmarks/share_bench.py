"""Share page benchmark: the real Sharify (real composition root, real SQLite store) in a child process, serving a
1,000-track share page on its own web port while connected to the local Discord simulator in this process.

1. Cold: the page cache keeps nothing, so every request reads the store, renders the page and gzips it;
   requests/s with 8 concurrent clients. Expired: the cache's lifetime is 1 ms, so every request makes the version
   check (two single-row reads) and is answered from what was rendered.
2. With ETag: the normal cache (5 s); every request revalidates with If-None-Match and gets a 304; requests/s with 8
   concurrent clients (and the 200-from-memory rate, for comparison).
3. Mixed: the interactions alone first (50/s, the baseline), then 100 page visits/s (open loop, plain GETs as
   browsers make them, gzip; the visitors' platforms in turn, so the first second renders the eight variants not yet
   made, then a version check per cache lifetime) while the bot answers 50 interactions/s through the simulator (the
   interactions benchmark's mix); p99 of both. The aim: interaction p99 under 100 ms. The visitors run in a process
   of their own, so that a burst of answers they receive does not delay the simulator (whose clock measures the
   interactions) in this one. The bot's own event-loop lag
   (a 10 ms ticker in the bot's process) is reported for both windows: what the visits cost the loop that answers
   the interactions.

    .venv/bin/python benchmarks/share_bench.py [--duration 10] [--tracks 1000]

Human-readable lines first, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.interactions_bench import Load, fire, free_port, percentile, populate, prepare
from bot.app import build
from bot.config import Settings
from bot.domain.models import NewEntry, Track
from bot.domain.permissions import Actor
from bot.sandbox.discord_sim import DiscordSimulator, run_client
from bot.web.cache import PageCache
from bot.web.view import PLATFORM_KEYS

ROOT = Path(__file__).resolve().parent.parent
SHARE_GUILD = 999_000_000_000_000_001  # the shared playlist's server (not one the simulator drives)
CLIENTS = 8
TICK_S = 0.01  # the loop-lag ticker's period


def bot_settings(data_dir: Path, web_port: int, cache_s: float) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        health_port=0,
        log_level="WARNING",
        max_playlists_per_guild=10_000,
        max_tracks_per_playlist=100_000,
        web_host="127.0.0.1",
        web_port=web_port,
        public_url=f"http://127.0.0.1:{web_port}",
        web_cache_seconds=cache_s,
        web_rate_per_second=100_000,  # every visitor here is 127.0.0.1
        web_burst=1_000_000,
    )


async def lag_ticker(samples: list[tuple[float, float]]) -> None:
    """(when, lag ms) every TICK_S: how late this loop wakes a 10 ms sleeper (time.monotonic is the same clock in
    both processes, so the parent cuts the samples to its measurement windows)."""
    while True:
        due = time.monotonic() + TICK_S
        await asyncio.sleep(TICK_S)
        now = time.monotonic()
        samples.append((now, (now - due) * 1000))


async def serve_bot(api: str, gateway: str, token: str, data_dir: str, port: str, cache_s: str, tracks: str) -> None:
    """The child: seed the shared playlist once (its token goes to DATA_DIR/token), then serve until stdin closes;
    cache_s 0 keeps nothing in the page cache (every request a cold render). The loop-lag samples go to
    DATA_DIR/lag.json at the end."""
    logging.basicConfig(level=logging.WARNING)
    cold = float(cache_s) == 0
    settings = bot_settings(Path(data_dir), int(port), 0.001 if cold else float(cache_s))
    samples: list[tuple[float, float]] = []
    async with build(settings) as app, run_client(app.bot, token=token, api_base=api, gateway_url=gateway):
        assert app.web is not None
        if cold:
            app.web.cache = PageCache(app.services.clock, ttl_s=0.001, max_pages=0)
        ticker = asyncio.create_task(lag_ticker(samples))
        token_file = Path(data_dir) / "token"
        if not token_file.exists():
            owner = Actor(guild_id=SHARE_GUILD, user_id=1, manage_guild=True)
            playlist = await app.services.playlists.create(owner, "Benchmark")
            entries = [
                NewEntry(
                    track=Track(artist=f"Artist {i}", title=f"Song {i}", album=f"Album {i % 40}", duration_s=200),
                    norm_key=f"k{i}",
                    added_by=1 + i % 7,
                    added_at=app.services.clock.now(),
                )
                for i in range(int(tracks))
            ]
            await app.storage.entries.append(
                SHARE_GUILD, playlist.id, entries, max_tracks=100_000, at=app.services.clock.now()
            )
            state = await app.services.shares.turn(owner, "Benchmark", on=True)
            assert state.share is not None
            token_file.write_text(state.share.token)
        await asyncio.to_thread(sys.stdin.read)
        ticker.cancel()
    (Path(data_dir) / "lag.json").write_text(json.dumps(samples))


def lag(data_dir: Path, start: float, end: float) -> dict[str, float]:
    """The bot loop's lag between start and end (monotonic): p50, p99, max in ms."""
    within = sorted(ms for at, ms in json.loads((data_dir / "lag.json").read_text()) if start <= at <= end)
    return {
        "p50_ms": round(percentile(within, 50), 2),
        "p99_ms": round(percentile(within, 99), 2),
        "max_ms": round(within[-1], 2) if within else math.nan,
    }


@contextlib.asynccontextmanager
async def bot(sim: DiscordSimulator, data_dir: Path, port: int, cache_s: float, tracks: int) -> AsyncIterator[str]:
    args = ["--serve-bot", sim.api_base, sim.gateway_url, sim.token, str(data_dir), str(port), str(cache_s)]
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, *args, str(tracks), stdin=asyncio.subprocess.PIPE, cwd=ROOT
    )
    try:
        await sim.wait_connected(within=60)
        token_file = data_dir / "token"
        for _ in range(600):
            if token_file.exists() and token_file.read_text():
                break
            await asyncio.sleep(0.1)
        yield f"http://127.0.0.1:{port}/s/{token_file.read_text()}"
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), 15)
        except TimeoutError:
            child.kill()
            await child.wait()


async def closed_loop(url: str, duration: float, *, etag: str | None = None) -> dict[str, Any]:
    """CLIENTS clients, each sending its next request when the last one is answered."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    headers = {"If-None-Match": etag} if etag else {}
    deadline = time.monotonic() + duration

    async def client(http: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            start = time.monotonic()
            async with http.get(url, headers=headers) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1
            latencies.append((time.monotonic() - start) * 1000)

    start = time.monotonic()
    async with aiohttp.ClientSession(auto_decompress=False) as http:  # gzip as a browser takes it; not unpacked here
        await asyncio.gather(*(client(http) for _ in range(CLIENTS)))
    wall = time.monotonic() - start
    latencies.sort()
    return {
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


async def visits(url: str, rate: int, duration: float) -> dict[str, Any]:
    """Open loop: visit i starts at t0 + i/rate whether or not earlier ones were answered; visitor i's platform is
    the i-th in turn (Last.fm's page is the plain link)."""
    latencies: list[float] = []
    failures = 0
    loop = asyncio.get_running_loop()

    platforms = list(PLATFORM_KEYS.values())

    async def visit(http: aiohttp.ClientSession, i: int) -> None:
        nonlocal failures
        start = time.monotonic()
        platform = platforms[i % len(platforms)]
        async with http.get(url if platform == "lastfm" else f"{url}?p={platform}") as r:
            await r.read()
            if r.status != 200:
                failures += 1
        latencies.append((time.monotonic() - start) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False) as http:
        tasks = []
        start = loop.time()
        for i in range(int(rate * duration)):
            delay = start + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(visit(http, i)))
        await asyncio.gather(*tasks)
    latencies.sort()
    return {
        "sent": len(latencies),
        "failures": failures,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
    }


async def visitors(url: str, rate: int, duration: float) -> dict[str, Any]:
    """`visits` in a child process (started and ready before the window opens; the window opens with "go")."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--visit",
        url,
        str(rate),
        str(duration),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    assert child.stdin is not None and child.stdout is not None
    assert (await child.stdout.readline()).strip() == b"ready"
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    out = await child.stdout.read()
    await child.wait()
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def visit_alone(url: str, rate: str, duration: str) -> None:
    """The visitors' process: say ready, wait for "go", visit, print the result as one JSON line."""
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    print(json.dumps(await visits(url, int(rate), float(duration))), flush=True)


async def sizes_of(url: str) -> dict[str, int]:
    """The page's bytes as sent, gzipped and not, for the default (Last.fm) page and a two-link (Spotify) one."""
    out = {}
    for name, address in (("lastfm", url), ("spotify", f"{url}?p=spotify")):
        async with aiohttp.ClientSession(auto_decompress=False) as http:
            async with http.get(address) as r:
                assert r.status == 200 and r.headers.get("Content-Encoding") == "gzip", r.status
                out[f"{name}_gzip"] = len(await r.read())
            async with http.get(address, headers={"Accept-Encoding": "identity"}) as r:
                assert r.status == 200 and "Content-Encoding" not in r.headers, r.status
                out[f"{name}_identity"] = len(await r.read())
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"tracks": args.tracks, "clients": CLIENTS, "duration_s": args.duration}
    with tempfile.TemporaryDirectory(prefix="sharify-share-bench-") as tmp:
        data = Path(tmp)
        for phase, cache_s, label in (("cold", 0.0, "store read + render + gzip each time"), ("expired", 0.001, "")):
            async with DiscordSimulator(settle=0.0, response_timeout=6.0) as sim:
                populate(sim)
                async with bot(sim, data, free_port(), cache_s, args.tracks) as url:
                    if phase == "cold":
                        out["page_bytes"] = sizes = await sizes_of(url)
                        out["page_bytes_identity"], out["page_bytes_gzip"] = (
                            sizes["lastfm_identity"],
                            sizes["lastfm_gzip"],
                        )
                        print(f"page bytes: {sizes}", flush=True)
                    await closed_loop(url, 0.5)  # warm-up: the bot's worker process is up, the page seen once
                    out[phase] = await closed_loop(url, args.duration)
                    print(f"{phase} ({label or 'a version check each time'}): {out[phase]}", flush=True)
        async with DiscordSimulator(settle=0.0, response_timeout=6.0) as sim:
            targets = populate(sim)
            async with bot(sim, data, free_port(), 5.0, args.tracks) as url:
                async with aiohttp.ClientSession() as http, http.get(url) as r:
                    etag = r.headers["ETag"]
                await closed_loop(url, 0.5, etag=etag)  # warm-up
                out["etag"] = await closed_loop(url, args.duration, etag=etag)
                print(f"with ETag (304 from memory): {out['etag']}", flush=True)
                out["warm"] = await closed_loop(url, args.duration)
                print(f"200 from memory: {out['warm']}", flush=True)
                await prepare(sim, targets)
                load = Load(targets, 7)
                await fire(sim, load, 20, 1.0)  # warm-up
                alone_window = time.monotonic()
                alone = (await fire(sim, load, 50, args.duration)).summary()  # the same load without visitors
                mixed_window = time.monotonic()
                print(f"interactions alone: p50 {alone['p50_ms']} p99 {alone['p99_ms']} ms", flush=True)
                pages, interactions = await asyncio.gather(
                    visitors(url, 100, args.duration), fire(sim, load, 50, args.duration)
                )
                mixed_end = time.monotonic()
                summary = interactions.summary()
                out["mixed"] = {
                    "visits_per_s": 100,
                    "pages": pages,
                    "interactions_per_s": 50,
                    "interaction_p99_ms": summary["p99_ms"],
                    "interaction_p99_alone_ms": alone["p99_ms"],
                    "interaction_p50_ms": summary["p50_ms"],
                    "interaction_errors": summary["errors"],
                    "missed_deadlines": summary["missed_deadlines"],
                }
                print(f"mixed: pages {pages}; interactions p50 {summary['p50_ms']} p99 {summary['p99_ms']} ms")
            out["mixed"]["bot_loop_lag_alone"] = lag(data, alone_window, mixed_window)
            out["mixed"]["bot_loop_lag_mixed"] = lag(data, mixed_window, mixed_end)
            print(
                f"bot loop lag: alone {out['mixed']['bot_loop_lag_alone']}, mixed {out['mixed']['bot_loop_lag_mixed']}"
            )
    out["aim"] = {"interaction_p99_under_100ms": out["mixed"]["interaction_p99_ms"] < 100}
    out["setup"] = {"cpus": os.cpu_count(), "cache_s": 5.0, "expired_cache_s": 0.001, "load_avg": os.getloadavg()}
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--tracks", type=int, default=1000, help="tracks on the shared page (default 1000)")
    parser.add_argument("--serve-bot", nargs=7, help=argparse.SUPPRESS)
    parser.add_argument("--visit", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    if arguments.serve_bot:
        asyncio.run(serve_bot(*arguments.serve_bot))
    elif arguments.visit:
        asyncio.run(visit_alone(*arguments.visit))
    else:
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(asyncio.run(main(arguments)), separators=(",", ":")))
