"""Import and export benchmark: the transfer service against the Last.fm stand-in with injected latency.

Import: a 1,000-track XSPF file (900 distinct tracks: 850 in the catalogue, some typed in another case, 50 unknown,
plus 100 repeated lines) read and matched through the production path (TransferService -> MusicService ->
LastfmCatalog -> LastfmClient) at the production default rate limit and burst (bot/config.py), 100 ms per answer.
Reported: wall time against the ideal (the rate-limit bound for the calls made), HTTP calls against distinct
entries, the same match on a warm cache (no calls), match rate and peak traced memory. Export: a 10,000-track
playlist from SQLite in every format (time, bytes). Each figure is the median of `--runs` runs (default 3) with
its range.

Run: .venv/bin/python benchmarks/import_bench.py [--runs N]   (human-readable lines, then one JSON object)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.lastfm_bench import DictCache
from bot.config import Settings
from bot.domain import formats, text
from bot.domain.clock import SystemClock
from bot.domain.formats import ExportTrack, Format
from bot.domain.models import NewEntry, Track
from bot.domain.permissions import Actor
from bot.domain.services.imports import MatchKind
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.transfer import ImportLimits, TransferService
from bot.lastfm import LastfmClient
from bot.lastfm.catalog import LastfmCatalog
from bot.sandbox.lastfm_standin import Catalog, LastfmStandin
from storage import open_storage

LATENCY_S = 0.100
DEFAULTS = Settings.model_fields
RATE_PER_S = float(DEFAULTS["lastfm_rate_per_second"].default)
BURST = int(DEFAULTS["lastfm_burst"].default)
MAX_IN_FLIGHT = int(DEFAULTS["lastfm_max_in_flight"].default)
KNOWN, UNKNOWN, REPEATS = 850, 50, 100
EXPORT_TRACKS = 10_000


def import_file(catalog: Catalog) -> tuple[bytes, int]:
    """(XSPF bytes, distinct entries)."""
    rng = random.Random(7)
    picked = rng.sample(catalog.tracks, KNOWN)
    typed = [Track(artist=catalog.artist_of(t).name, title=t.name) for t in picked]
    typed = [t.model_copy(update={"title": t.title.upper()}) if i % 10 == 0 else t for i, t in enumerate(typed)]
    typed += [Track(artist=f"Nobody {i}", title=f"Nothing {i}") for i in range(UNKNOWN)]
    lines = list(typed)
    for _ in range(REPEATS):
        lines.insert(rng.randrange(len(lines)), rng.choice(typed))
    data = formats.export("Bench import", "", [ExportTrack(track=t) for t in lines], Format.XSPF, with_links=False)
    return data, len({(text.name_key(t.artist), text.name_key(t.title)) for t in lines})


async def import_run(fm: LastfmStandin, transfer_for: Any, data: bytes) -> dict[str, Any]:
    fm.reset_calls()
    url = fm.url
    async with aiohttp.ClientSession() as session:
        client = LastfmClient(
            session,
            api_key=SecretStr("bench-key"),
            base_url=url,
            rate_per_second=RATE_PER_S,
            burst=BURST,
            max_in_flight=MAX_IN_FLIGHT,
            cache=DictCache(),
        )
        transfer: TransferService = transfer_for(LastfmCatalog(client))
        reports: list[int] = []

        async def progress(done: int, total: int) -> None:
            reports.append(done)

        tracemalloc.start()
        start = time.perf_counter()
        parsed = await transfer.read(data)
        matches = await transfer.match(parsed.entries, progress=progress)
        cold = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        cold_calls = fm.count()
        start = time.perf_counter()
        await transfer.match(parsed.entries)
        warm = time.perf_counter() - start
        warm_calls = fm.count() - cold_calls
    kinds = [m.kind for m in matches]
    return {
        "cold_s": cold,
        "warm_s": warm,
        "calls": cold_calls,
        "warm_calls": warm_calls,
        "entries": len(matches),
        "matched": sum(k is not MatchKind.UNMATCHED for k in kinds),
        "corrected": sum(k is MatchKind.CORRECTED for k in kinds),
        "progress_reports": len(reports),
        "peak_mib": peak / 2**20,
    }


async def export_run(transfer: TransferService, guild_id: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for fmt in Format:
        start = time.perf_counter()
        exported = await transfer.export(guild_id, "Big", fmt, max_bytes=10 * 2**20)
        out[fmt.value] = {"s": time.perf_counter() - start, "bytes": len(exported.data), "gzipped": exported.gzipped}
    return out


def spread(values: list[float], digits: int = 3) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
    }


async def main(runs: int) -> dict[str, Any]:
    catalog = Catalog(seed=1)
    data, distinct = import_file(catalog)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            open_storage(mongodb_uri=None, database="bench", sqlite_path=Path(tmp) / "bench.sqlite3") as storage,
            LastfmStandin(catalog=catalog, latency=LATENCY_S) as fm,
        ):
            playlists = PlaylistService(storage, limits=Limits(max_tracks=EXPORT_TRACKS), clock=clock)

            def transfer_for(lastfm: LastfmCatalog | None) -> TransferService:
                music = MusicService(lastfm, storage.accounts, clock=clock)
                return TransferService(storage, playlists, music, clock=clock, limits=ImportLimits())

            imports = [await import_run(fm, transfer_for, data) for _ in range(runs)]

            owner = Actor(guild_id=1, user_id=1)
            big = await playlists.create(owner, "Big")
            now = datetime.now(UTC)
            tracks = [catalog.tracks[i % len(catalog.tracks)] for i in range(EXPORT_TRACKS)]
            new = [
                NewEntry(
                    track=Track(artist=catalog.artist_of(t).name, title=t.name, album=t.album, duration_s=t.duration_s),
                    norm_key=str(i),
                    added_by=1,
                    added_at=now,
                )
                for i, t in enumerate(tracks)
            ]
            for chunk in range(0, EXPORT_TRACKS, 1000):
                await storage.entries.append(1, big.id, new[chunk : chunk + 1000], max_tracks=EXPORT_TRACKS, at=now)
            exports = [await export_run(transfer_for(None), 1) for _ in range(runs)]

    rate_bound = max(0, distinct - BURST) / RATE_PER_S + LATENCY_S
    critical_path = math.ceil(distinct / MAX_IN_FLIGHT) * LATENCY_S
    ideal = max(rate_bound, critical_path)
    cold = [r["cold_s"] for r in imports]
    first = imports[0]
    result: dict[str, Any] = {
        "bench": "import",
        "runs": runs,
        "entries": first["entries"],
        "distinct": distinct,
        "latency_ms": LATENCY_S * 1000,
        "rate_per_s": RATE_PER_S,
        "burst": BURST,
        "max_in_flight": MAX_IN_FLIGHT,
        "ideal_s": round(ideal, 3),
        "cold_s": spread(cold),
        "cold_over_ideal": spread([c / ideal for c in cold]),
        "http_calls": spread([float(r["calls"]) for r in imports], 0),
        "warm_s": spread([r["warm_s"] for r in imports], 4),
        "warm_http_calls": max(r["warm_calls"] for r in imports),
        "match_rate": round(first["matched"] / first["entries"], 3),
        "corrected": first["corrected"],
        "progress_reports": spread([float(r["progress_reports"]) for r in imports], 0),
        "peak_mib": spread([r["peak_mib"] for r in imports], 2),
        "export": {
            fmt: {
                "s": spread([e[fmt]["s"] for e in exports]),
                "bytes": exports[0][fmt]["bytes"],
                "gzipped": exports[0][fmt]["gzipped"],
            }
            for fmt in exports[0]
        },
    }
    print(f"Import bench: {first['entries']} entries ({distinct} distinct), {LATENCY_S * 1000:.0f} ms latency")
    print(f"limiter {RATE_PER_S:g}/s, burst {BURST}, in flight {MAX_IN_FLIGHT}; ideal {ideal:.2f} s (rate-limit bound)")
    print(f"cold: {result['cold_s']}, over ideal {result['cold_over_ideal']}; HTTP calls {result['http_calls']}")
    print(f"warm: {result['warm_s']} s; match rate {result['match_rate']}; peak {result['peak_mib']} MiB")
    for fmt, e in result["export"].items():
        gz = " (gzip)" if e["gzipped"] else ""
        print(f"export {EXPORT_TRACKS:,} tracks as {fmt}: {e['s']} s, {e['bytes']:,} bytes{gz}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    print(json.dumps(asyncio.run(main(parser.parse_args().runs))))
