"""`python -m bot sandbox`: Sharify on a local Discord and a local Last.fm, driven from a prompt or a script.

The bot is the real one, built by the real composition root, with the embedded SQLite store (in a temporary folder
unless --data-dir is given). Two servers and a few members exist from the start; type `help` for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import discord
from pydantic import SecretStr

from bot.app import App
from bot.config import Settings
from bot.sandbox.clock import SettableClock
from bot.sandbox.discord_sim import (
    CommandUsageError,
    DiscordSimulator,
    NoResponseError,
    Reply,
    SimGuild,
    SimMember,
    openapi,
)
from bot.sandbox.harness import sharify_on
from bot.sandbox.lastfm_standin import LastfmStandin
from bot.sandbox.script import ScriptError, Step, parse_line, parse_script
from bot.sandbox.transcript import json_records, render_choices, render_message, render_reply

HELP = """\
Servers: "Guild A" (members @alice, @bob with role DJ, @carol with Manage Server) and "Guild B" (@alice, @dave).
You start as @alice in "Guild A".

  /playlist create name:chill mode:open          run a slash command (option:value, quote values with spaces)
  as @bob in "Guild B": /playlist list           act as someone else, somewhere else, for one line
  as @bob                                        ... or from now on
  complete /playlist add name:chill track:daft   see the autocomplete suggestions for the last option
  click Next                                     press a button on the previous reply
  select "placeholder" value                     pick from a select menu on the previous reply
  parallel / end                                 (scripts) run the lines between at the same time
  clock +7d   clock +2h30m   clock 2026-12-04 17:00   move the bot's clock (UTC): due scheduled posts appear
  help, quit

The offline Last.fm has a generated catalogue: type a few letters after track: and use `complete` to search it.
"""


@dataclass
class Choices:
    choices: list[dict[str, Any]]


Outcome = Reply | Choices | BaseException


WORLD_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


WAIT_S = 180.0  # how long a deferred reply is awaited (Discord allows 15 minutes)
PROGRESS = "⏳"  # a placeholder the bot is still working on starts with this
_SPAN = re.compile(r"^\+(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")
POSTS_SETTLE_S = 10.0  # how long `clock` waits for the due scheduled posts


class Sandbox:
    def __init__(
        self,
        sim: DiscordSimulator,
        out: TextIO,
        *,
        as_json: bool,
        fm: LastfmStandin | None = None,
        wait: float = WAIT_S,
        clock: SettableClock | None = None,
        app: App | None = None,
    ) -> None:
        self.sim, self.out, self.as_json, self.fm, self.wait = sim, out, as_json, fm, wait
        self.clock, self.app = clock, app
        self.user, self.guild = "alice", "Guild A"
        self.last: Reply | None = None
        self.failures = 0
        self.shown = {m.id for m in sim.state.messages.values()}  # channel posts already in the transcript

    # -- names ---------------------------------------------------------------------------------------------------

    def _guild(self, name: str) -> SimGuild:
        try:
            return self.sim.guild(name)
        except KeyError:
            known = ", ".join(f'"{g.name}"' for g in self.sim.state.guilds.values())
            raise ScriptError(f'There is no server "{name}" here (servers: {known}).') from None

    def _member(self, guild: SimGuild, name: str) -> SimMember:
        for member in guild.members.values():
            if member.user.name == name.lstrip("@"):
                return member
        known = ", ".join(f"@{m.user.name}" for m in guild.members.values() if not m.user.bot)
        raise ScriptError(f'@{name} is not a member of "{guild.name}" (members: {known}).')

    def names(self, kind: str, ident: int) -> str:
        state = self.sim.state
        if kind == "user" and ident in state.users:
            return state.users[ident].name
        for guild in state.guilds.values():
            if kind == "role" and ident in guild.roles:
                return guild.roles[ident].name
            if kind == "channel" and ident in guild.channels:
                return guild.channels[ident].name
        return str(ident)

    def _catalogue_hint(self) -> str:
        catalog = self.fm.catalog if self.fm is not None else None
        if catalog is None:
            return ""
        users = [u.name for u in catalog.users.values() if not u.private][:3]
        tracks = [f"{catalog.artist_of(t).name} - {t.name}" for t in catalog.tracks[:30:10]]
        return f"Listeners to link (/lastfm link username:...): {', '.join(users)}\nSome tracks: {'; '.join(tracks)}\n"

    # -- steps ---------------------------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        if not self.as_json:
            print(text, file=self.out, flush=True)

    async def run(self, step: Step) -> bool:
        """Carry out one step; False means quit."""
        if step.kind == "quit":
            return False
        if step.kind == "help":
            self.say(HELP + self._catalogue_hint())
            return True
        if step.kind == "switch":
            guild = self._guild(step.guild or self.guild)
            self._member(guild, step.user or self.user)
            self.user, self.guild = step.user or self.user, guild.name
            self.say(f"» now acting as @{self.user} in {self.guild}")
            return True
        if step.kind == "parallel":
            replies = await asyncio.gather(*(self._act(s) for s in step.steps), return_exceptions=True)
            for s, r in zip(step.steps, replies, strict=True):
                self._show(s, r)
            self._show_posts()
            return True
        if step.kind == "clock":
            await self._move_clock(step)
            return True
        self._show(step, await self._act_safely(step))
        self._show_posts()
        return True

    async def _move_clock(self, step: Step) -> None:
        if self.clock is None or self.app is None:
            self._show(step, ScriptError("This sandbox has no clock to move."))
            return
        spec = step.target.strip()
        try:
            if spec:
                span = _SPAN.match(spec)
                if span and any(span.groups()):
                    d, h, m = (int(span.group(k) or 0) for k in "dhm")
                    self.clock.advance(timedelta(days=d, hours=h, minutes=m))
                else:
                    self.clock.set(datetime.strptime(spec, "%Y-%m-%d %H:%M").replace(tzinfo=UTC))
        except ValueError:
            self._show(step, ScriptError("Write: clock +7d, clock +2h30m or clock 2026-12-04 17:00 (UTC)"))
            return
        schedules = self.app.services.schedules
        schedules.wake()
        deadline = asyncio.get_running_loop().time() + POSTS_SETTLE_S
        while await schedules.due_now() and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the posts happen in the bot's runner: ask the store until none is due
        await asyncio.sleep(0.2)  # the last post's bookkeeping
        now = self.clock.now().strftime("%a %Y-%m-%d %H:%M UTC")
        if self.as_json:
            print(_json({"input": step.text, "kind": "clock", "now": self.clock.now().isoformat()}), file=self.out)
        else:
            self.say(f"» {step.text}\n  🕒 it is now {now}")
        self._show_posts()

    def _show_posts(self) -> None:
        """Messages Sharify posted on its own (scheduled posts) since the last step, in the order they appeared."""
        fresh = sorted(
            (m for m in self.sim.state.messages.values() if m.id not in self.shown and m.interaction_id is None),
            key=lambda m: m.id,
        )
        for message in fresh:
            self.shown.add(message.id)
            if message.deleted:
                continue
            where = f"#{self.names('channel', message.channel_id)}"
            if self.as_json:
                record: dict[str, object] = {"kind": "channel_message", "channel": where, "id": str(message.id)}
                record |= {"content": message.content, "embeds": message.embeds, "components": message.components}
                print(_json(record), file=self.out, flush=True)
                continue
            body = render_message(message.content, message.embeds, message.components, self.names)
            indented = "\n".join("  " + line for line in body.splitlines())
            self.say(f"» Sharify posted in {where}:\n{indented}")

    async def _act_safely(self, step: Step) -> Outcome:
        try:
            return await self._act(step)
        except (ScriptError, CommandUsageError, NoResponseError, ValueError, KeyError) as e:
            return e

    async def _act(self, step: Step) -> Reply | Choices:
        guild = self._guild(step.guild or self.guild)
        member = self._member(guild, step.user or self.user)
        if step.kind in ("click", "select"):
            if self.last is None:
                raise ScriptError("There is no previous reply to press anything on.")
            if step.kind == "click":
                reply = await self.sim.click(self.last, step.target, user=member)
            else:
                reply = await self.sim.select(self.last, step.target, step.values, user=member)
            reply = await self._finished(reply)
            if not reply.ephemeral:
                self.last = reply if reply.components else self.last
            return reply
        values: dict[str, object] = {k: _value(v) for k, v in step.options.items()}
        if step.kind == "complete":
            focused = list(step.options)[-1]
            return Choices(await self.sim.autocomplete(guild, member, step.command, focused=focused, options=values))
        reply = await self._finished(await self.sim.command(guild, member, step.command, options=values))
        if reply.components:
            self.last = reply
        return reply

    async def _finished(self, reply: Reply) -> Reply:
        """Wait while the bot shows progress in its placeholder (as a member would), printing each progress
        edit as it happens, up to the wait limit."""
        loop = asyncio.get_running_loop()
        end = loop.time() + self.wait
        shown = ""
        while reply.content.startswith(PROGRESS) and loop.time() < end:
            if reply.content != shown:
                shown = reply.content
                self.say(f"  … {shown}")
            await asyncio.sleep(0.05)
        return reply

    def _show(self, step: Step, result: Outcome) -> None:
        who = f"@{step.user or self.user} in {step.guild or self.guild}"
        action = step.text.split(":", 1)[1].strip() if step.user or step.guild else step.text
        if isinstance(result, BaseException):
            self.failures += 1
            message = str(result) or type(result).__name__
            if self.as_json:
                print(_json({"input": step.text, "kind": "error", "error": message}), file=self.out, flush=True)
            else:
                self.say(f"» {who}: {action}\n  ✗ {message}")
            return
        if isinstance(result, Choices):
            if self.as_json:
                print(_json({"input": step.text, "kind": "autocomplete", "choices": result.choices}), file=self.out)
            else:
                self.say(f"» {who}: {action}\n{render_choices(result.choices)}")
            return
        if self.as_json:
            for record in json_records(
                result, line=step.text, user=step.user or self.user, guild=step.guild or self.guild
            ):
                print(record, file=self.out, flush=True)
        else:
            self.say(f"» {who}: {action}\n{render_reply(result, self.names)}")


def _value(raw: str) -> object:
    if raw in ("true", "false"):
        return raw == "true"
    return raw.lstrip("@") if raw.startswith("@") else raw


def _json(record: dict[str, object]) -> str:
    return json.dumps(record, ensure_ascii=False)


def build_world(sim: DiscordSimulator) -> None:
    """The same servers, roles and members (with the same ids) every run, so --data-dir data stays theirs."""
    ids = iter(discord.utils.time_snowflake(WORLD_EPOCH) + (n << 22) for n in range(100))
    a = sim.add_guild("Guild A", channels=("general", "music"), id=next(ids))
    b = sim.add_guild("Guild B", id=next(ids))
    dj = sim.add_role(a, "DJ", id=next(ids))
    mods = sim.add_role(a, "Mods", permissions=discord.Permissions(manage_guild=True), id=next(ids))
    alice = sim.add_member(a, sim.add_user("alice", id=next(ids)))
    sim.add_member(a, sim.add_user("bob", id=next(ids)), roles=[dj])
    sim.add_member(a, sim.add_user("carol", id=next(ids)), roles=[mods])
    sim.add_member(b, alice.user)
    sim.add_member(b, sim.add_user("dave", id=next(ids)))


@contextlib.asynccontextmanager
async def sandbox_services(
    settings: Settings, data_dir: Path | None, *, wait: float = WAIT_S
) -> AsyncIterator[tuple[DiscordSimulator, LastfmStandin, SettableClock, App]]:
    with contextlib.ExitStack() as stack:
        folder = data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sharify-sandbox-")))
        # Request bodies are checked against Discord's OpenAPI spec when the dev extra (jsonschema) is installed.
        simulator = DiscordSimulator(response_timeout=wait, check_spec=openapi.available())
        async with simulator as sim, LastfmStandin() as fm:
            build_world(sim)
            local = settings.model_copy(
                update={
                    "discord_token": SecretStr(sim.token),
                    "data_dir": folder,
                    "mongodb_uri": None,
                    "health_port": 0,
                    "dev_guild_id": None,
                    "shard_count": None,
                    "shard_ids": None,
                    "lastfm_base_url": fm.url,
                    "lastfm_api_key": SecretStr("sandbox"),
                }
            )
            clock = SettableClock()  # `clock +7d` moves it: scheduled posts happen as they would a week later
            async with sharify_on(sim, local, clock=clock) as app:
                yield sim, fm, clock, app


def _read_script(script: str) -> str:
    return sys.stdin.read() if script == "-" else Path(script).read_text(encoding="utf-8")


async def run_sandbox(
    settings: Settings,
    *,
    script: str | None,
    as_json: bool,
    data_dir: Path | None,
    out: TextIO | None = None,
    wait: float = WAIT_S,
) -> int:
    """Exit code: 0, or 1 if a script line failed, 2 if the script could not be read or parsed."""
    out = out or sys.stdout
    steps: list[Step] | None = None
    if script is not None:
        try:
            text = await asyncio.to_thread(_read_script, script)
            steps = parse_script(text.splitlines())
        except (OSError, ScriptError) as e:
            print(f"Can't run the script: {e}", file=sys.stderr)
            return 2
    async with sandbox_services(settings, data_dir, wait=wait) as (sim, fm, clock, app):
        box = Sandbox(sim, out, as_json=as_json, fm=fm, wait=wait, clock=clock, app=app)
        if steps is not None:
            for step in steps:
                if not await box.run(step):
                    break
            return 1 if box.failures else 0
        box.say('Sharify sandbox: a local Discord and Last.fm. You are @alice in "Guild A". Type help.')
        while True:
            try:
                line = await asyncio.to_thread(input, "sharify> ")  # the bot keeps running meanwhile
                parsed = parse_line(line)
            except EOFError:
                break
            except ScriptError as e:
                box.say(f"  ✗ {e}")
                continue
            if parsed is not None and not await box.run(parsed):
                break
    return 0
