"""A round service on a real SQLite store with the controlled clock; members and a manager of one server."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.permissions import Actor
from bot.domain.ports.storage import Storage
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import Limits, PlaylistService
from bot.domain.services.rounds import RoundService
from bot.domain.services.transfer import TransferService
from tests.conftest import FakeClock

G = 1


def member(user_id: int, *, manager: bool = False) -> Actor:
    return Actor(guild_id=G, user_id=user_id, manage_guild=manager)


OWNER, ALICE, BOB, CAROL, MOD = member(1), member(2), member(3), member(4), member(5, manager=True)


@dataclass
class Kit:
    storage: Storage
    clock: FakeClock
    playlists: PlaylistService
    rounds: RoundService
    transfer: TransferService


@pytest.fixture
def kit(sqlite_storage: Storage, clock: FakeClock) -> Kit:
    music = MusicService(None, sqlite_storage.accounts, clock=clock)
    playlists = PlaylistService(sqlite_storage, limits=Limits(max_tracks=500), clock=clock, tracks=music)
    rounds = RoundService(sqlite_storage, playlists, music, sqlite_storage.guilds, clock=clock)
    playlists.use_hooks(rounds)
    transfer = TransferService(sqlite_storage, playlists, music, clock=clock)
    return Kit(sqlite_storage, clock, playlists, rounds, transfer)
