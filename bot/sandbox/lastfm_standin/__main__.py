"""Run the stand-in on its own: `python -m bot.sandbox.lastfm_standin --port 8765`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from pathlib import Path

from bot.sandbox.lastfm_standin.server import LastfmStandin


async def _serve(args: argparse.Namespace) -> None:
    async with LastfmStandin(
        mode=args.mode,
        seed=args.seed,
        fixtures_dir=args.fixtures,
        host=args.host,
        port=args.port,
        latency=args.latency_ms / 1000,
        jitter=args.jitter_ms / 1000,
    ) as fm:
        detail = f"{len(fm.catalog.artists)} artists, {len(fm.catalog.tracks)} tracks" if fm.catalog else "fixtures"
        print(f"Last.fm stand-in ({args.mode}: {detail}) at {fm.url}", flush=True)
        if fm.catalog:
            print("users:", ", ".join(fm.catalog.users), flush=True)
        await asyncio.Event().wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--mode", choices=("catalog", "fixtures"), default="catalog")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--fixtures", type=Path, default=None, help="default: <repo>/../shared/fixtures/lastfm")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    args = p.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
