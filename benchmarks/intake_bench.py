"""Intake benchmark: what reading one interaction off the gateway costs the bot's event loop when it is shed.

Past the knee, most of what the gateway delivers is shed: the bot reads each INTERACTION_CREATE (about 1.5 KB of
JSON) only to find that its deadline is out of reach. That cost, paid for every interaction offered, decides how
much of the loop is left to answer the ones it serves. This runs the real Sharify (the real composition root, a real
SQLite store) on the local Discord simulator, captures one real INTERACTION_CREATE frame as the simulator sends it,
then feeds it `--events` times to discord.py's own `received_message`, with a creation time already past Discord's
3 s so the admission sheds it: decoding, discord.py's gateway handling, the intake and the admission, on the loop.

    .venv/bin/python benchmarks/intake_bench.py [--events 20000] [--runs 3]

It says whether discord.py decodes with orjson. Human-readable lines first, then one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import discord.utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.sandbox.discord_sim.gateway as sim_gateway
from bot.config import Settings
from bot.sandbox.discord_sim import DiscordSimulator
from bot.sandbox.harness import sharify_on


async def expired_frame(sim: DiscordSimulator) -> str:
    """A real INTERACTION_CREATE frame (a /playlist add) as the simulator sent it, with its interaction's id (its
    creation time) moved a minute back: past Discord's 3 s, so the admission sheds it."""
    guild = sim.add_guild("Bench")
    member = sim.add_member(guild, "member")
    await sim.command(guild, member, "playlist create", name="Mix")
    await sim.command(guild, member, "playlist add", name="Mix", track="Artist - Song")
    sent = [(seq, data) for session in sim.gateway.sessions.values() for seq, event, data in session.history
            if event == "INTERACTION_CREATE"]  # fmt: skip
    seq, data = max(sent, key=lambda item: item[0])
    data = {**data, "id": str(discord.utils.time_snowflake(discord.utils.utcnow()) - (60_000 << 22))}
    return sim_gateway.frame(sim_gateway.DISPATCH, data, seq, "INTERACTION_CREATE")


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sharify-intake-") as tmp:
        return await measure(args, Settings(_env_file=None, data_dir=Path(tmp), health_port=0, log_level="WARNING"))


async def measure(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    async with DiscordSimulator(settle=0.0) as sim, sharify_on(sim, settings) as app:
        frame = await expired_frame(sim)
        shards = getattr(app.bot, "_AutoShardedClient__shards", {})
        ws = app.bot.ws or next(iter(shards.values())).ws
        admission = app.bot.admission
        assert admission is not None
        shed_before = sum(admission.shed_counts.values())
        per_event_us = []
        for _ in range(args.runs):
            started = time.perf_counter()
            for _ in range(args.events):
                await ws.received_message(frame)
            per_event_us.append((time.perf_counter() - started) / args.events * 1e6)
        shed = sum(admission.shed_counts.values()) - shed_before
    assert shed == args.runs * args.events, f"only {shed} of {args.runs * args.events} were shed"
    median = statistics.median(per_event_us)
    decoder = "orjson" if discord.utils.HAS_ORJSON else "json (stdlib)"
    print(f"frame {len(frame)} bytes; discord.py decodes with {decoder}; {args.events} events per run")
    print(f"read and shed one interaction: median {median:.1f} us (range {min(per_event_us):.1f}-"
          f"{max(per_event_us):.1f}) over {args.runs} runs")  # fmt: skip
    return {
        "frame_bytes": len(frame),
        "decoder": decoder,
        "per_event_us": [round(v, 1) for v in per_event_us],
        "median_us": round(median, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    print(json.dumps(asyncio.run(main(parser.parse_args())), separators=(",", ":")))
