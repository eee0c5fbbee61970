"""Storage benchmark: track adds per second with 1, 10 and 100 concurrent writers, on an empty playlist and on
one already holding 5,000 tracks (an add must not cost more on a big playlist), page fetch times, and a check
that nothing was lost. Runs against the embedded SQLite store, and MongoDB when a URI is given.

    .venv/bin/python benchmarks/storage_bench.py [--mongodb-uri URI] [--adds 2000]

Human-readable lines first, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.domain.models import NewEntry, NewPlaylist, Track
from bot.domain.ports.storage import Storage
from storage import open_storage

GUILD = 1
WRITERS = (1, 10, 100)
PREFILLS = (0, 5000)
PAGE = 10
BIG = 100_000
NOW = datetime.now(UTC)


def open_store(settings: Settings) -> AbstractAsyncContextManager[Storage]:
    uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else None
    return open_storage(mongodb_uri=uri, database=settings.database_name, sqlite_path=settings.sqlite_path)


def entries(n: int, start: int = 0) -> list[NewEntry]:
    return [
        NewEntry(
            track=Track(artist=f"Artist {i}", title=f"Title {i}"), norm_key=f"a{i} - t{i}", added_by=7, added_at=NOW
        )
        for i in range(start, start + n)
    ]


async def new_playlist(store: Storage, prefill: int) -> str:
    p = await store.playlists.create(
        NewPlaylist(
            guild_id=GUILD, name=f"bench {uuid.uuid4().hex[:8]}", name_key=uuid.uuid4().hex, owner_id=7, created_at=NOW
        ),
        max_per_guild=BIG,
    )
    for start in range(0, prefill, 500):
        await store.entries.append(GUILD, p.id, entries(min(500, prefill - start), start), max_tracks=BIG, at=NOW)
    return p.id


async def timed_adds(store: Storage, playlist_id: str, adds: int, writers: int) -> float:
    """Adds per second: `adds` single-track appends spread over `writers` concurrent tasks."""
    per_writer = [adds // writers + (1 if i < adds % writers else 0) for i in range(writers)]
    one = entries(1)

    async def writer(n: int) -> None:
        for _ in range(n):
            await store.entries.append(GUILD, playlist_id, one, max_tracks=BIG, at=NOW)

    t0 = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in per_writer))
    return adds / (time.perf_counter() - t0)


async def page_ms(store: Storage, playlist_id: str, offset: int, repeat: int = 30) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        page = await store.entries.page(GUILD, playlist_id, offset=offset, limit=PAGE)
        times.append((time.perf_counter() - t0) * 1000)
        assert len(page) == PAGE
    return statistics.median(times)


async def check(store: Storage, playlist_id: str, expected: int) -> int:
    """How many adds were lost (or duplicated): rows, distinct keys and the counter must all equal `expected`."""
    rows = await store.entries.page(GUILD, playlist_id)
    p = await store.playlists.get(GUILD, playlist_id)
    assert p is not None
    keys = [e.order_key for e in rows]
    bad = keys != sorted(keys) or len(set(keys)) != len(keys) or p.track_count != len(rows)
    return abs(expected - len(rows)) + (1 if bad else 0)


async def scenario(settings: Settings, prefill: int, writers: int, adds: int) -> tuple[float, int]:
    """A fresh store per run, so only the playlist's size differs between runs, not the file's history."""
    async with open_store(settings) as store:
        pid = await new_playlist(store, prefill)
        rate = await timed_adds(store, pid, adds, writers)
        return rate, await check(store, pid, prefill + adds)


async def pages(label: str, settings: Settings, adds: int, result: dict[str, Any]) -> None:
    async with open_store(settings) as store:
        pid = await new_playlist(store, PREFILLS[-1])
        total = PREFILLS[-1]
        result["first_page_ms"] = round(await page_ms(store, pid, 0), 3)
        result["last_page_ms"] = round(await page_ms(store, pid, total - PAGE), 3)
        first, last = result["first_page_ms"], result["last_page_ms"]
        print(f"{label}: first page {first:.2f} ms, last page {last:.2f} ms ({PAGE}/page, {total:,} tracks)")
        # the same page while 10 writers keep adding: reads must not queue behind the writes
        busy = asyncio.gather(*(timed_adds(store, pid, adds // 10, 1) for _ in range(10)))
        result["last_page_ms_under_writes"] = round(await page_ms(store, pid, total - PAGE), 3)
        await busy
        result["lost"] += await check(store, pid, total + adds // 10 * 10)
        print(f"{label}: the same page while 10 writers add: {result['last_page_ms_under_writes']:.2f} ms")


async def bench(label: str, make: Callable[[], Settings], adds: int, repeat: int) -> dict[str, Any]:
    result: dict[str, Any] = {"adds_per_s": {}, "lost": 0}
    for prefill in PREFILLS:
        rates: dict[str, float] = {}
        for writers in WRITERS:
            runs = []
            for _ in range(repeat):
                rate, lost = await scenario(make(), prefill, writers, adds)
                runs.append(rate)
                result["lost"] += lost
            rates[str(writers)] = round(statistics.median(runs), 1)
            print(f"{label}: {writers:>3} writers, playlist of {prefill:>5}: {rates[str(writers)]:>8,.0f} adds/s"
                  f" (median of {repeat})")  # fmt: skip
        result["adds_per_s"]["empty" if prefill == 0 else str(prefill)] = rates
    full, empty = result["adds_per_s"][str(PREFILLS[-1])], result["adds_per_s"]["empty"]
    result["full_vs_empty_ratio"] = {w: round(full[w] / empty[w], 2) for w in empty}
    ratio = result["full_vs_empty_ratio"]
    print(f"{label}: adds/s on {PREFILLS[-1]:,} tracks / adds/s on empty: {ratio} (1.0 = no growth)")
    await pages(label, make(), adds, result)
    print(f"{label}: lost or duplicated: {result['lost']}")
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mongodb-uri", default=os.environ.get("SHARIFY_TEST_MONGODB_URI"))
    parser.add_argument("--adds", type=int, default=2000, help="adds per run (default 2000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per scenario, the median is reported")
    args = parser.parse_args()
    out: dict[str, Any] = {"adds_per_scenario": args.adds, "page_size": PAGE}
    with tempfile.TemporaryDirectory(prefix="sharify-bench-") as tmp:

        def sqlite() -> Settings:
            data_dir = Path(tmp) / uuid.uuid4().hex
            return Settings(_env_file=None, mongodb_uri=None, data_dir=data_dir)  # type: ignore[call-arg]

        out["sqlite"] = await bench("sqlite", sqlite, args.adds, args.repeat)
    if args.mongodb_uri:
        databases: list[str] = []

        def mongo() -> Settings:
            databases.append(f"sharify_bench_{uuid.uuid4().hex[:8]}")
            return Settings(_env_file=None, mongodb_uri=args.mongodb_uri, database_name=databases[-1])  # type: ignore[call-arg]

        try:
            out["mongodb"] = await bench("mongodb", mongo, args.adds, args.repeat)
        finally:
            from pymongo import AsyncMongoClient  # noqa: PLC0415

            client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(args.mongodb_uri)
            for name in databases:
                await client.drop_database(name)
            await client.close()
    else:
        print("mongodb: skipped (give --mongodb-uri or SHARIFY_TEST_MONGODB_URI)")
    out["ok"] = all(out[k]["lost"] == 0 for k in ("sqlite", "mongodb") if k in out)
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    asyncio.run(main())
