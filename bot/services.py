"""The container the composition root builds and hands to the cogs' setup(): services, never the store."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.schedules.runner import RunnerSettings
from bot.domain.schedules.service import ScheduleService
from bot.domain.services.guilds import GuildService
from bot.domain.services.mixes import MixService
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService
from bot.domain.services.privacy import PrivacyService
from bot.domain.services.rounds import RoundService
from bot.domain.services.share import ShareService
from bot.domain.services.transfer import TransferService
from bot.runtime.metrics import Metrics


@dataclass
class Services:
    settings: Settings
    metrics: Metrics
    clock: Clock
    playlists: PlaylistService
    music: MusicService
    guilds: GuildService
    privacy: PrivacyService
    transfer: TransferService
    mixes: MixService
    schedules: ScheduleService
    rounds: RoundService
    shares: ShareService
    schedule_runner: RunnerSettings = field(default_factory=RunnerSettings)
