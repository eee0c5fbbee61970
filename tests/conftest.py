"""Fixtures shared by every suite: settings pointing at a temporary data dir, a real SQLite store, a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.ports.storage import Storage
from storage import open_storage


class FakeClock:
    """Time as a parameter: tests move it, never sleep on it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.at = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
        self.mono = 0.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds=max(0.0, seconds))

    def advance(self, **kwargs: float) -> None:
        step = timedelta(**kwargs)
        self.at += step
        self.mono += step.total_seconds()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", health_port=0)  # type: ignore[call-arg]


@pytest.fixture
async def sqlite_storage(settings: Settings) -> AsyncIterator[Storage]:
    async with open_storage(
        mongodb_uri=None, database=settings.database_name, sqlite_path=settings.sqlite_path
    ) as storage:
        yield storage
