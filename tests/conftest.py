"""Fixtures shared by every suite: settings pointing at a temporary data dir, a real SQLite store, a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.ports import Storage
from storage import open_storage


class FakeClock:
    """Time as a parameter: tests move it, never sleep on it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", health_port=0)  # type: ignore[call-arg]


@pytest.fixture
async def sqlite_storage(settings: Settings) -> AsyncIterator[Storage]:
    async with open_storage(settings) as storage:
        yield storage
