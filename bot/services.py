"""The container the composition root builds and hands to the cogs' setup()."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.domain.music import MusicService
from bot.domain.playlists import Clock, PlaylistService
from bot.domain.ports import Storage
from bot.metrics import Metrics


@dataclass
class Services:
    settings: Settings
    storage: Storage
    metrics: Metrics
    clock: Clock
    playlists: PlaylistService
    music: MusicService
