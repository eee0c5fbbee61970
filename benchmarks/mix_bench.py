"""Mix benchmark against the local Last.fm stand-in with a fixed injected latency and the production default rate
limit and burst (bot/config.py): a mood mix of 3 tags, a similar mix of 3 seeds, a blend of 10 members and an
extend of a 200-track playlist.

For each: wall time on a cold cache, Last.fm calls, the dependent-call depth (measured: the same mix on an
unthrottled client takes depth x latency), the ideal (the larger of depth x latency and the rate-limit bound for
the calls made: max(0, calls - burst) / rate + latency), their ratio, the same mix one call at a time, and a
warm-cache rerun (its calls). Three runs each: median and range.

The stand-in plays Last.fm's servers, so it runs in a child process with its own event loop: its CPU (building
and sending answers) is not charged to the bot, as a remote service's is not. The bot side (client, parsing,
mixing, storage) runs in this process, as in production. The catalogue is rebuilt here from the same seed for the
inputs; the calls the child received are fetched over a pipe between timed sections.

Run: .venv/bin/python benchmarks/mix_bench.py   (human-readable lines, then one JSON object on the last line)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.mixes.model import BlendInputs, ExtendInputs, MixInputs, MoodInputs, SimilarInputs, Size
from bot.domain.models import Account, Track
from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService
from bot.lastfm import LastfmClient
from bot.lastfm.catalog import LastfmCatalog
from bot.sandbox.lastfm_standin import LastfmStandin
from bot.sandbox.lastfm_standin.catalog import Catalog
from bot.sandbox.lastfm_standin.server import Call
from storage import open_storage

LATENCY_S = 0.100
DEFAULTS = Settings(_env_file=None)  # type: ignore[call-arg]
RATE, BURST, IN_FLIGHT = DEFAULTS.lastfm_rate_per_second, DEFAULTS.lastfm_burst, DEFAULTS.lastfm_max_in_flight
RUNS = 3
SEED = 7
GUILD = 1
CATALOG_SEED = 1


def _serve(conn: Connection, latency: float) -> None:
    """The child process: the stand-in on its own loop, answering "calls" / "reset" / "stop" over the pipe."""

    async def serve() -> None:
        async with LastfmStandin(seed=CATALOG_SEED, latency=latency) as fm:
            conn.send(fm.url)
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, conn.recv)
                if command == "calls":
                    conn.send(list(fm.calls))
                elif command == "reset":
                    fm.reset_calls()
                    conn.send(None)
                else:
                    conn.send(None)
                    return

    asyncio.run(serve())


class RemoteStandin:
    """The parts of LastfmStandin the benchmark uses, for a stand-in running in a child process."""

    def __init__(self, conn: Connection, url: str) -> None:
        self._conn, self.url = conn, url
        self.catalog = Catalog(CATALOG_SEED)  # the same seeded catalogue the child serves

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    @property
    def calls(self) -> list[Call]:
        calls: list[Call] = self._ask("calls")
        return calls

    def count(self) -> int:
        return len(self.calls)

    def reset_calls(self) -> None:
        self._ask("reset")


@contextlib.contextmanager
def remote_standin(latency: float) -> Iterator[RemoteStandin]:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child, latency), daemon=True)
    process.start()
    try:
        yield RemoteStandin(parent, parent.recv())
    finally:
        parent.send("stop")
        parent.recv()
        process.join(timeout=5)


@contextlib.asynccontextmanager
async def world() -> AsyncIterator[tuple[RemoteStandin, Storage, dict[str, MixInputs]]]:
    with tempfile.TemporaryDirectory() as folder, remote_standin(LATENCY_S) as fm:
        store = open_storage(mongodb_uri=None, database="bench", sqlite_path=Path(folder) / "bench.sqlite3")
        async with store as storage:
            catalog = fm.catalog
            users = [u for u in catalog.users.values() if not u.private][:10]
            for i, u in enumerate(users, start=1):
                await storage.accounts.link(Account(user_id=i, lastfm_username=u.name, linked_at=datetime.now(UTC)))
                await storage.accounts.set_consent(i, True)
            playlists = PlaylistService(storage)
            actor = Actor(GUILD, 1)
            await playlists.create(actor, "big")
            tracks = [Track(artist=catalog.artist_of(t).name, title=t.name) for t in catalog.tracks[:200]]
            await playlists.add(actor, "big", tracks)
            seeds = tuple(Track(artist=catalog.artist_of(t).name, title=t.name) for t in catalog.tracks[10:40:10])
            inputs: dict[str, MixInputs] = {
                "mood": MoodInputs(tags=("ambient", "dream pop", "lo-fi"), size=Size(tracks=25)),
                "similar": SimilarInputs(seeds=seeds, size=Size(tracks=25)),
                "blend": BlendInputs(guild_id=GUILD, user_ids=tuple(range(1, 11)), size=Size(tracks=25)),
                "extend": ExtendInputs(guild_id=GUILD, playlist="big", count=25),
            }
            yield fm, storage, inputs


def service(http: aiohttp.ClientSession, fm: RemoteStandin, storage: Storage, **kw: Any) -> MixService:
    throttle = kw.pop("throttle", (RATE, BURST, IN_FLIGHT))
    client = LastfmClient(
        http, api_key=SecretStr("bench"), base_url=fm.url, rate_per_second=throttle[0], burst=throttle[1],
        max_in_flight=throttle[2],
    )  # fmt: skip
    clock = SystemClock()
    music = MusicService(LastfmCatalog(client), storage.accounts, clock=clock)
    return MixService(music, PlaylistService(storage, clock=clock), storage, **kw)


async def timed(mixes: MixService, fm: RemoteStandin, inputs: MixInputs) -> tuple[float, int, int]:
    before = fm.count()
    start = time.perf_counter()
    mix = await mixes.make(inputs, seed=SEED)
    return time.perf_counter() - start, fm.count() - before, len(mix.picks)


async def one_run(
    http: aiohttp.ClientSession, fm: RemoteStandin, storage: Storage, inputs: MixInputs
) -> dict[str, Any]:
    fm.reset_calls()
    free = service(http, fm, storage, throttle=(10_000.0, 10_000, 10_000))
    before = len(fm.calls)
    await timed(free, fm, inputs)
    depth = chain_depth([c.at for c in fm.calls[before:]])
    mixes = service(http, fm, storage)
    wall, calls, tracks = await timed(mixes, fm, inputs)
    distinct = len({(c.method, tuple(sorted(c.params.items()))) for c in fm.calls[-calls:]}) if calls else 0
    warm_wall, warm_calls, _ = await timed(mixes, fm, inputs)
    sequential = service(http, fm, storage, sequential=True)
    seq_wall, _, _ = await timed(sequential, fm, inputs)
    ideal = max(depth * LATENCY_S, max(0, calls - BURST) / RATE + LATENCY_S)
    return {
        "wall_s": wall, "calls": calls, "distinct": distinct, "depth": depth, "ideal_s": ideal, "ratio": wall / ideal,
        "one_at_a_time_s": seq_wall, "warm_s": warm_wall, "warm_calls": warm_calls, "tracks": tracks,
    }  # fmt: skip


def chain_depth(arrivals: list[float]) -> int:
    """The longest chain of calls each sent after the previous one's answer came back (one latency after it
    arrived), from an unthrottled run: the dependent-call depth."""
    depth: list[int] = []
    ordered = sorted(arrivals)
    for i, at in enumerate(ordered):
        before = [depth[j] for j in range(i) if ordered[j] + 0.9 * LATENCY_S <= at]
        depth.append(1 + max(before, default=0))
    return max(depth, default=0)


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in runs[0]:
        values = [r[key] for r in runs]
        out[key] = {
            "median": round(statistics.median(values), 3),
            "min": round(min(values), 3),
            "max": round(max(values), 3),
        }
    return out


async def main() -> None:
    results: dict[str, Any] = {}
    async with world() as (fm, storage, inputs), aiohttp.ClientSession() as http:
        for name, mix in inputs.items():
            runs = [await one_run(http, fm, storage, mix) for _ in range(RUNS)]
            s = results[name] = summary(runs)
            m = {k: v["median"] for k, v in s.items()}
            print(
                f"{name:8} wall {m['wall_s']:.3f}s ({s['wall_s']['min']:.3f}-{s['wall_s']['max']:.3f}) "
                f"calls {m['calls']:.0f} (distinct {m['distinct']:.0f}) depth {m['depth']:.0f} "
                f"ideal {m['ideal_s']:.3f}s ratio {m['ratio']:.2f} ({s['ratio']['min']:.2f}-{s['ratio']['max']:.2f}) | "
                f"one at a time {m['one_at_a_time_s']:.3f}s | warm {m['warm_s']:.3f}s, {m['warm_calls']:.0f} calls | "
                f"{m['tracks']:.0f} tracks"
            )
    params = {"latency_s": LATENCY_S, "rate_per_s": RATE, "burst": BURST, "max_in_flight": IN_FLIGHT, "runs": RUNS}
    print(json.dumps({"params": params, "results": results}))


if __name__ == "__main__":
    asyncio.run(main())
