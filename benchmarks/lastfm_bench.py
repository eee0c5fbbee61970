"""Last.fm client benchmark against the local stand-in with injected latency.

100 track.getInfo lookups (60 unique + 40 repeats interleaved), fired concurrently through the music catalog port
(LastfmCatalog over one client, the path the music service takes): wall time
against the ideal (the in-flight critical path and the rate-limit bound), HTTP calls against unique requests,
then the same 100 again on a warm memory cache and on a new client over the warm persistent cache.

Run: .venv/bin/python benchmarks/lastfm_bench.py   (prints human-readable lines, then one JSON object)
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.domain.ports.storage import CachedValue
from bot.lastfm import LastfmClient
from bot.lastfm.catalog import LastfmCatalog
from bot.sandbox.lastfm_standin import Catalog, LastfmStandin

LATENCY_S = 0.100
RATE_PER_S = 50.0
BURST = 8
MAX_IN_FLIGHT = 8
UNIQUE = 60
REPEATS = 40


class DictCache:
    """A CacheRepository in a dict (the bench measures the client, not a database)."""

    def __init__(self) -> None:
        self.data: dict[str, CachedValue] = {}

    async def get(self, key: str, *, now: datetime) -> CachedValue | None:
        v = self.data.get(key)
        return v if v is not None and now < v.expires_at else None

    async def put(self, key: str, value: Any, *, now: datetime, fresh_until: datetime, expires_at: datetime) -> None:
        self.data[key] = CachedValue(
            key=key, value=value, stored_at=now, fresh_until=fresh_until, expires_at=expires_at
        )


def workload(catalog: Catalog) -> list[tuple[str, str]]:
    rng = random.Random(42)
    unique = [(catalog.artist_of(t).name, t.name) for t in rng.sample(catalog.tracks, UNIQUE)]
    repeats = [rng.choice(unique) for _ in range(REPEATS)]
    lookups = list(unique)
    for i, item in enumerate(repeats):  # interleave: each repeat lands somewhere after its first request
        lookups.insert(min(len(lookups), lookups.index(item) + 1 + rng.randrange(0, 2 * i + 2)), item)
    return lookups


def make_client(session: aiohttp.ClientSession, url: str, cache: DictCache) -> LastfmClient:
    return LastfmClient(
        session,
        api_key=SecretStr("bench-key"),
        base_url=url,
        rate_per_second=RATE_PER_S,
        burst=BURST,
        max_in_flight=MAX_IN_FLIGHT,
        cache=cache,
    )


async def run(client: LastfmClient, lookups: list[tuple[str, str]]) -> float:
    catalog = LastfmCatalog(client)
    start = time.perf_counter()
    await asyncio.gather(*(catalog.track_info(a, t) for a, t in lookups))
    return time.perf_counter() - start


async def main() -> dict[str, Any]:
    catalog = Catalog(seed=1)
    lookups = workload(catalog)
    unique = len(set(lookups))
    async with LastfmStandin(catalog=catalog, latency=LATENCY_S) as fm, aiohttp.ClientSession() as session:
        cache = DictCache()
        client = make_client(session, fm.url, cache)
        cold = await run(client, lookups)
        cold_calls = fm.count()
        fm.reset_calls()
        warm = await run(client, lookups)
        warm_calls = fm.count()
        restarted = make_client(session, fm.url, cache)
        persistent = await run(restarted, lookups)
        persistent_calls = fm.count()

    critical_path = math.ceil(unique / MAX_IN_FLIGHT) * LATENCY_S
    rate_bound = max(0, unique - BURST) / RATE_PER_S + LATENCY_S  # last send through the limiter, plus its answer
    ideal = max(critical_path, rate_bound)
    binding = "rate limit" if rate_bound >= critical_path else "in-flight cap"
    repeats = len(lookups) - unique
    print(
        f"Last.fm client bench: {len(lookups)} track.getInfo lookups ({unique} unique + {repeats} repeats), concurrent"
    )
    print(f"latency {LATENCY_S * 1000:.0f} ms; limiter {RATE_PER_S:g}/s, burst {BURST}; max in flight {MAX_IN_FLIGHT}")
    print(f"cold:  {cold:.3f} s wall, {cold_calls} HTTP calls for {unique} unique requests")
    print(
        f"ideal: {ideal:.3f} s (critical path ceil({unique}/{MAX_IN_FLIGHT})*{LATENCY_S:g} = {critical_path:.3f} s; "
        f"rate-limit bound ({unique}-{BURST})/{RATE_PER_S:g} + {LATENCY_S:g} = {rate_bound:.3f} s; binding: {binding})"
    )
    print(f"cold / ideal = {cold / ideal:.3f}")
    print(f"warm memory cache: {warm * 1000:.2f} ms, {warm_calls} HTTP calls")
    print(f"new client, warm persistent cache: {persistent * 1000:.2f} ms, {persistent_calls} HTTP calls")  # fmt: skip
    return {
        "bench": "lastfm",
        "lookups": len(lookups),
        "unique": unique,
        "latency_ms": LATENCY_S * 1000,
        "rate_per_s": RATE_PER_S,
        "burst": BURST,
        "max_in_flight": MAX_IN_FLIGHT,
        "cold_s": round(cold, 4),
        "cold_http_calls": cold_calls,
        "critical_path_s": round(critical_path, 4),
        "rate_limit_bound_s": round(rate_bound, 4),
        "ideal_s": round(ideal, 4),
        "binding": binding,
        "cold_over_ideal": round(cold / ideal, 3),
        "warm_s": round(warm, 5),
        "warm_http_calls": warm_calls,
        "persistent_warm_s": round(persistent, 5),
        "persistent_warm_http_calls": persistent_calls,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
