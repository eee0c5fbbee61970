"""The sandbox's `clock` lets a person watch a weekly post happen: the channel message appears in the transcript."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import Settings
from bot.sandbox.cli import run_sandbox
from bot.sandbox.script import ScriptError, parse_line

SCRIPT = """\
as @carol
/playlist create name:Friday mode:open
/schedule add what:Friday channel:music every:week at:18:00 weekday:friday timezone:Europe/Paris
clock 2026-12-04 16:59
clock +2m
clock +7d
/schedule list
"""


async def test_moving_the_clock_shows_the_weekly_post(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "weekly.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    out = io.StringIO()
    assert await run_sandbox(settings, script=str(script), as_json=False, data_dir=None, out=out) == 0
    text = out.getvalue()
    before, after = text.split("» clock +2m", 1)
    assert "Sharify posted in #music" not in before  # 16:59 UTC is 17:59 in Paris: not yet
    assert after.count("Sharify posted in #music") == 2  # 18:00 this Friday and the next
    assert "it is now Fri 2026-12-11 17:01 UTC" in after and "✅ posted" in after


def test_clock_lines_parse() -> None:
    step = parse_line("clock +7d")
    assert step is not None and (step.kind, step.target) == ("clock", "+7d")
    step = parse_line('clock "2026-12-04 18:00"')
    assert step is not None and step.target == "2026-12-04 18:00"
    step = parse_line("clock 2026-12-04 18:00")
    assert step is not None and step.target == "2026-12-04 18:00"
    with pytest.raises(ScriptError):
        parse_line("clok +7d")
