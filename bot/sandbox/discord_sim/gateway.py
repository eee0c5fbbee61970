"""The simulated Gateway: HELLO, IDENTIFY/READY, heartbeats, RESUME with replay, sharding and faults.

Frames are sent as TEXT (discord.py only decompresses BINARY frames, so the requested ``compress`` is ignored).
Each shard has a session with a sequence counter and a history of sent dispatches; a dispatch for a shard that is
not connected waits in a queue and is delivered after the next RESUME or IDENTIFY, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .model import JSON
from .state import SimState

log = logging.getLogger(__name__)

DISPATCH, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, ACK = (
    0, 1, 2, 6, 7, 8, 9, 10, 11,
)  # fmt: skip


@dataclass
class Outgoing:
    event: str
    data: JSON
    guild_id: int | None
    on_sent: Callable[[], None] | None = None


@dataclass
class ShardSession:
    shard_id: int
    session_id: str
    seq: int = 0
    history: list[tuple[int, str, JSON]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    request: web.Request | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class GatewayEvent:
    """One thing that happened on the gateway (for assertions): IDENTIFY, RESUME, RESUME_REJECTED, DROP, ..."""

    shard_id: int
    kind: str
    detail: Any = None
    at: float = field(default_factory=time.monotonic)


def frame(op: int, data: Any, seq: int | None = None, event: str | None = None) -> str:
    return json.dumps({"op": op, "d": data, "s": seq, "t": event})


class Gateway:
    def __init__(self, state: SimState, resume_url: Callable[[], str], heartbeat_interval: float) -> None:
        self.state = state
        self._resume_url = resume_url
        self.heartbeat_interval = heartbeat_interval
        self.shard_count = 1
        self.sessions: dict[int, ShardSession] = {}
        self.pending: list[Outgoing] = []
        self.events: list[GatewayEvent] = []
        self._changed = asyncio.Condition()

    # -- routing -------------------------------------------------------------------------------------------------

    def shard_for(self, guild_id: int | None) -> int:
        return 0 if guild_id is None else (guild_id >> 22) % self.shard_count

    def connected(self, shard_id: int | None = None) -> bool:
        shards = range(self.shard_count) if shard_id is None else [shard_id]
        return all(s in self.sessions and self.sessions[s].ws is not None for s in shards)

    def count(self, kind: str) -> int:
        return sum(1 for e in self.events if e.kind == kind)

    async def _note(self, shard_id: int, kind: str, detail: Any = None) -> None:
        self.events.append(GatewayEvent(shard_id, kind, detail))
        log.debug("gateway shard %s: %s %s", shard_id, kind, detail or "")
        async with self._changed:
            self._changed.notify_all()

    async def wait_connected(self, within: float = 10.0) -> None:
        """Wait until every shard has a live, identified or resumed connection."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(self.connected)

    # -- sending -------------------------------------------------------------------------------------------------

    async def dispatch(
        self, event: str, data: JSON, *, guild_id: int | None = None, on_sent: Callable[[], None] | None = None
    ) -> None:
        """Send a dispatch on the guild's shard now, or queue it until that shard is connected again."""
        item = Outgoing(event, data, guild_id, on_sent)
        session = self.sessions.get(self.shard_for(guild_id))
        if session is None:
            self.pending.append(item)
            return
        async with session.lock:
            if session.ws is None:
                self.pending.append(item)
            else:
                await self._send_locked(session, session.ws, item)

    async def _send_locked(self, session: ShardSession, ws: web.WebSocketResponse, item: Outgoing) -> None:
        session.seq += 1
        session.history.append((session.seq, item.event, item.data))
        try:
            await ws.send_str(frame(DISPATCH, item.data, session.seq, item.event))
        except ConnectionError:
            return  # stays in history; the RESUME replay delivers it
        if item.on_sent is not None:
            item.on_sent()

    async def _flush_locked(self, session: ShardSession, ws: web.WebSocketResponse) -> None:
        mine = [p for p in self.pending if self.shard_for(p.guild_id) == session.shard_id]
        self.pending = [p for p in self.pending if p not in mine]
        for item in mine:
            await self._send_locked(session, ws, item)

    # -- connection ----------------------------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        await ws.send_str(frame(HELLO, {"heartbeat_interval": int(self.heartbeat_interval * 1000)}))
        session: ShardSession | None = None
        try:
            async for message in ws:
                if message.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(message.data)
                op, data = payload.get("op"), payload.get("d")
                if op == HEARTBEAT:
                    await ws.send_str(frame(ACK, None))
                elif op == IDENTIFY:
                    session = await self._identify(ws, request, data)
                elif op == RESUME:
                    session = await self._resume(ws, request, data)
                elif op == REQUEST_MEMBERS:
                    await self._members_chunk(ws, session, data)
                if ws.closed:
                    break
        finally:
            if session is not None and session.ws is ws:
                session.ws = None
                await self._note(session.shard_id, "DISCONNECTED", ws.close_code)
        return ws

    async def _identify(self, ws: web.WebSocketResponse, request: web.Request, data: JSON) -> ShardSession | None:
        shard_id, shard_count = data.get("shard") or [0, 1]
        if data.get("token") != self.state.token:
            await self._note(shard_id, "IDENTIFY_REJECTED")
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        self.shard_count = shard_count
        session = ShardSession(shard_id, f"sim-session-{self.state.ids.next()}")
        old = self.sessions.get(shard_id)
        self.sessions[shard_id] = session
        if old is not None and old.ws is not None and old.ws is not ws:
            await old.ws.close(code=4000)
        await self._note(shard_id, "IDENTIFY", [shard_id, shard_count])
        guilds = [g for g in self.state.guilds.values() if self.shard_for(g.id) == shard_id]
        ready = {
            "v": 10,
            "user": {**self.state.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self._resume_url(),
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.state.bot.id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        async with session.lock:
            await self._send_locked(session, ws, Outgoing("READY", ready, None))
            for guild in guilds:
                create = guild.payload(bot_id=self.state.bot.id)
                await self._send_locked(session, ws, Outgoing("GUILD_CREATE", create, guild.id))
            await self._flush_locked(session, ws)
            session.ws, session.request = ws, request
        await self._note(shard_id, "READY")
        return session

    async def _resume(self, ws: web.WebSocketResponse, request: web.Request, data: JSON) -> ShardSession | None:
        session = next((s for s in self.sessions.values() if s.session_id == data.get("session_id")), None)
        if session is None or data.get("token") != self.state.token:
            await self._note(-1, "RESUME_REJECTED", data.get("session_id"))
            await ws.send_str(frame(INVALID_SESSION, False))
            return None
        since = int(data.get("seq") or 0)
        async with session.lock:
            if session.ws is not None and session.ws is not ws:
                await session.ws.close(code=4000)
            session.seq += 1
            await ws.send_str(frame(DISPATCH, {}, session.seq, "RESUMED"))
            replay = [(s, e, d) for s, e, d in session.history if s > since]
            for seq, event, payload in replay:
                await ws.send_str(frame(DISPATCH, payload, seq, event))
            await self._flush_locked(session, ws)
            session.ws, session.request = ws, request
        await self._note(session.shard_id, "RESUME", {"from_seq": since, "replayed": len(replay)})
        return session

    async def _members_chunk(self, ws: web.WebSocketResponse, session: ShardSession | None, data: JSON) -> None:
        guild = self.state.guilds.get(int(data.get("guild_id") or 0))
        if session is None or guild is None:
            return
        query = str(data.get("query") or "").lower()
        wanted = {int(u) for u in data.get("user_ids") or []}
        members = [
            m.payload()
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user.name.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        chunk = {
            "guild_id": str(guild.id),
            "members": members[:limit] if limit else members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        async with session.lock:
            await self._send_locked(session, ws, Outgoing("GUILD_MEMBERS_CHUNK", chunk, guild.id))

    # -- faults --------------------------------------------------------------------------------------------------

    def _targets(self, shard_id: int | None) -> list[ShardSession]:
        return [s for s in self.sessions.values() if shard_id is None or s.shard_id == shard_id]

    async def drop(self, code: int | None = 4000, shard_id: int | None = None) -> None:
        """Close the connection with ``code``, or with ``code=None`` cut the TCP connection without a close frame."""
        for session in self._targets(shard_id):
            ws, request = session.ws, session.request
            session.ws = None
            if ws is None:
                continue
            await self._note(session.shard_id, "DROP", code)
            if code is None:
                transport = request.transport if request is not None else None
                if transport is not None:
                    transport.abort()
            else:
                async with asyncio.timeout(5):
                    await ws.close(code=code, message=b"simulated close")

    async def send_op(self, op: int, data: Any, shard_id: int | None = None, *, forget: bool = False) -> None:
        for session in self._targets(shard_id):
            ws = session.ws
            if ws is None:
                continue
            async with session.lock:
                session.ws = None
                await ws.send_str(frame(op, data))
            if forget:
                self.sessions.pop(session.shard_id, None)
            await self._note(session.shard_id, {RECONNECT: "RECONNECT", INVALID_SESSION: "INVALID_SESSION"}[op], data)
