"""A share page world for the web tests and the benchmark: a real store, the services, the web server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from multidict import CIMultiDict

from bot.domain.models import NewEntry, Track
from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.services.playlists import PlaylistService
from bot.domain.services.share import ShareService
from bot.web import WebServer
from storage import open_storage
from tests.conftest import FakeClock

GUILD, OWNER, FRIEND = 5, 11, 22
PUBLIC = "https://share.example"


def owner(*, manage: bool = True) -> Actor:
    return Actor(guild_id=GUILD, user_id=OWNER, manage_guild=manage)


@dataclass
class World:
    storage: Storage
    playlists: PlaylistService
    shares: ShareService
    web: WebServer
    clock: FakeClock
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web.port}"

    async def playlist(self, name: str, tracks: Sequence[Track], *, by: Sequence[int] = (OWNER,)) -> str:
        """A shared playlist holding `tracks` (added in turn by the users in `by`); returns its token."""
        p = await self.playlists.create(owner(), name)
        entries = [
            NewEntry(track=t, norm_key=f"{i}", added_by=by[i % len(by)], added_at=self.clock.now())
            for i, t in enumerate(tracks)
        ]
        if entries:
            await self.storage.entries.append(GUILD, p.id, entries, max_tracks=20_000, at=self.clock.now())
        state = await self.shares.turn(owner(), name, on=True)
        assert state.share is not None
        return state.share.token

    async def get(self, path: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
        """Status, headers (case-insensitive) and body; `If_None_Match="..."` sends If-None-Match."""
        sent = {name.replace("_", "-"): value for name, value in headers.items()}
        async with self.http.get(self.base + path, headers=sent, allow_redirects=False) as r:
            return r.status, r.headers.copy(), await r.read()


def tracks(n: int) -> list[Track]:
    return [
        Track(artist=f"Artist {i}", title=f"Title {i}", album=f"Album {i % 7}", duration_s=150 + i % 90)
        for i in range(n)
    ]


@asynccontextmanager
async def share_world(
    tmp_path: Path,
    *,
    clock: FakeClock | None = None,
    names: dict[int, str] | None = None,
    server: str | None = "Night Owls",
    **web_options: float,
) -> AsyncIterator[World]:
    clock = clock or FakeClock()
    async with open_storage(mongodb_uri=None, database="x", sqlite_path=tmp_path / "share.sqlite3") as storage:
        playlists = PlaylistService(storage, clock=clock)
        shares = ShareService(storage, playlists, clock=clock, public_url=PUBLIC)
        known = names or {}
        web = WebServer(
            shares,
            clock=clock,
            host="127.0.0.1",
            port=0,
            guild_name=lambda _g: server,
            member_name=lambda _g, user_id: known.get(user_id),
            **web_options,  # type: ignore[arg-type]
        )
        async with web, aiohttp.ClientSession() as http:
            yield World(storage, playlists, shares, web, clock, http)
