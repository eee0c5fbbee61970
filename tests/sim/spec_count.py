"""Pytest plugin: after the run, say how many request bodies were checked against Discord's OpenAPI spec.

Loaded by tests/sim/conftest.py; for a run without tests/sim add ``-p tests.sim.spec_count``.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.discord_sim import openapi


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counted = openapi.counters
    terminalreporter.write_line(
        f"Discord OpenAPI spec: {counted.validated} request bodies validated, {counted.rejected} rejected"
    )
