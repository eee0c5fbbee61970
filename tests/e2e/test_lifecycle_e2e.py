"""The real entry point (`python -m bot run`'s `main`) in a child process, against the simulator in this one.

The child only redirects discord.py's two endpoint class attributes to the simulator (what `sim.patch_discord()`
does in-process) and then calls `bot.__main__.main(["run"])`: settings from the environment, the signal handlers,
the whole shutdown. Signals are real (SIGTERM to the child's pid)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.discord_sim import DiscordSimulator
from bot.sandbox.lastfm_standin import LastfmStandin
from bot.sandbox.lastfm_standin.faults import Fault
from tests.e2e.test_health_e2e import free_port, until

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = (
    "import sys\n"
    "from bot.sandbox.discord_sim.runner import patched_endpoints\n"
    "from bot.__main__ import main\n"
    "with patched_endpoints(sys.argv[1], sys.argv[2]):\n"
    "    code = main(['run'])\n"
    "sys.exit(code)\n"
)
# Seconds from SIGTERM to exit are printed with -s; SHARIFY_TEST_LIFECYCLE_ROUNDS=3 repeats them for a median.
ROUNDS = range(int(os.environ.get("SHARIFY_TEST_LIFECYCLE_ROUNDS", "1")))


@dataclass
class Child:
    process: asyncio.subprocess.Process
    health: str
    data_dir: Path

    async def readyz(self) -> tuple[int, dict[str, bool]]:
        async with aiohttp.ClientSession() as http, http.get(f"{self.health}/readyz") as r:
            return r.status, await r.json()

    async def wait_ready(self, within: float = 30.0) -> None:
        async with asyncio.timeout(within):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    if (await self.readyz())[0] == 200:
                        return
                await asyncio.sleep(0.1)

    async def stop(self) -> tuple[int, float, list[str]]:
        """SIGTERM; (exit code, seconds to exit, stderr lines)."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        return await self.finish(sent)

    async def finish(self, since: float) -> tuple[int, float, list[str]]:
        assert self.process.stderr is not None
        async with asyncio.timeout(30):
            stderr = await self.process.stderr.read()
            code = await self.process.wait()
        return code, time.monotonic() - since, stderr.decode().splitlines()


@contextlib.asynccontextmanager
async def child(tmp_path: Path, *, api: str, gateway: str, token: str, **env: str) -> AsyncIterator[Child]:
    port = free_port()
    data_dir = tmp_path / "data"
    environ = (
        {k: v for k, v in os.environ.items() if not k.startswith("SHARIFY_")}
        | {
            "SHARIFY_DISCORD_TOKEN": token,
            "SHARIFY_DATA_DIR": str(data_dir),
            "SHARIFY_HEALTH_HOST": "127.0.0.1",
            "SHARIFY_HEALTH_PORT": str(port),
            "SHARIFY_LOG_FORMAT": "json",
            "PYTHONPATH": str(ROOT),
        }
        | env
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LAUNCH,
        api,
        gateway,
        cwd=tmp_path,  # no .env from the checkout
        env=environ,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield Child(process, f"http://127.0.0.1:{port}", data_dir)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def json_lines(lines: list[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in lines]  # every line is one JSON object, or this raises


def stored_titles(data_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(data_dir / "sharify.sqlite3")) as db:
        return [row[0] for row in db.execute("SELECT title FROM entries")]


@pytest.mark.parametrize("round_", ROUNDS)
async def test_sigterm_with_an_interaction_in_flight_answers_it_then_exits_0(tmp_path, round_):
    async with DiscordSimulator() as sim, LastfmStandin() as fm:
        guild = sim.add_guild("Lounge")
        alice = sim.add_member(guild, "alice")
        env = {"SHARIFY_LASTFM_API_KEY": "test-key", "SHARIFY_LASTFM_BASE_URL": fm.url}
        async with child(tmp_path, api=sim.api_base, gateway=sim.gateway_url, token=sim.token, **env) as bot:
            await bot.wait_ready()
            await sim.command(guild, alice, "playlist create", name="mix")
            track = fm.catalog.tracks[0]
            artist = fm.catalog.artist_of(track).name
            fm.inject(Fault.slow(1.5), times=None)
            typed = f"{artist} - {track.name}"
            adding = asyncio.create_task(sim.command(guild, alice, "playlist add", name="mix", track=typed))
            await until(lambda: fm.count() > 0, within=10)  # Last.fm is answering it, slowly
            sent = time.monotonic()
            bot.process.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.2)
            status, checks = await bot.readyz()
            assert status == 503 and checks["serving"] is False  # readiness fell at once
            late = await sim.command(guild, alice, "playlist show", name="mix")  # arrives during the drain
            assert late.ephemeral and "restarting" in late.content
            reply = await adding
            assert f"Added **{artist}** — {track.name}" in reply.content  # the one in flight was answered
            code, took, lines = await bot.finish(sent)
        assert code == 0, lines
        assert stored_titles(bot.data_dir) == [track.name]  # written exactly once
        assert not sim.missed_deadlines
    entries = json_lines(lines)
    assert all({"severity", "message", "time", "logger"} <= e.keys() for e in entries)
    (dropped,) = [e for e in entries if e["message"] == "interaction dropped: shutting down"]
    assert dropped["command"] == "playlist show" and dropped["guild_id"] == guild.id
    assert dropped["user_id"] == alice.id and dropped["shard_id"] == 0 and isinstance(dropped["interaction_id"], int)
    assert any(e["message"] == "stopping: received SIGTERM" for e in entries)
    assert took < 10, took
    print(f"\nSIGTERM -> exit with an interaction in flight: {took:.2f} s; dropped line: {json.dumps(dropped)}")


@pytest.mark.parametrize("round_", ROUNDS)
async def test_sigterm_when_idle_exits_0_quickly(tmp_path, round_):
    async with DiscordSimulator() as sim:
        sim.add_guild("Lounge")
        async with child(tmp_path, api=sim.api_base, gateway=sim.gateway_url, token=sim.token) as bot:
            await bot.wait_ready()
            code, took, lines = await bot.stop()
    assert code == 0, lines
    assert not [e for e in json_lines(lines) if e["severity"] in ("ERROR", "CRITICAL")]
    assert took < 5, took
    print(f"\nSIGTERM -> exit when idle: {took:.2f} s")


async def test_a_rejected_token_is_one_line_and_exit_2(tmp_path):
    async with (
        DiscordSimulator() as sim,
        child(tmp_path, api=sim.api_base, gateway=sim.gateway_url, token="not-the-token") as bot,
    ):
        code, _, lines = await bot.finish(time.monotonic())
    problems = [line for line in lines if not line.startswith("{")]  # the JSON lines are the log
    assert code == 2
    assert problems == ["Sharify cannot start: Discord rejected the token (SHARIFY_DISCORD_TOKEN)."]
    assert "Traceback" not in "\n".join(lines)


async def test_an_unreachable_discord_is_retried_not_a_crash(tmp_path):
    closed = free_port()  # nothing listens here
    api = f"http://127.0.0.1:{closed}/api/v10"
    async with child(tmp_path, api=api, gateway=f"ws://127.0.0.1:{closed}/", token="x.y.z") as bot:
        async with asyncio.timeout(30):
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    status, checks = await bot.readyz()
                    if status == 503:
                        break
                await asyncio.sleep(0.1)
        assert checks["gateway"] is False and checks["serving"] is True  # not ready, still trying
        await asyncio.sleep(3.5)  # a few retries (1 s, then 2 s, jittered) on the child's own clock
        code, took, lines = await bot.stop()
    assert code == 0 and took < 5
    entries = json_lines(lines)
    retries = [e for e in entries if str(e["message"]).startswith("cannot reach Discord")]
    assert len(retries) >= 2 and all("\n" not in str(e["message"]) and "exception" not in e for e in retries)
    assert "retrying in" in str(retries[0]["message"])
