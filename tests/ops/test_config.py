"""Start-up configuration errors, as an operator sees them: one message, every problem, no traceback, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
LOAD = "from bot.config import load_settings; load_settings(); print('loaded')"


def run_load_settings(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`load_settings()` in a fresh interpreter with only `env` (no inherited SHARIFY_*), in an empty directory."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-c", LOAD], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def test_invalid_settings_exit_2_with_one_message_naming_every_variable(tmp_path: Path) -> None:
    result = run_load_settings(
        tmp_path,
        {
            "SHARIFY_HEALTH_PORT": "abc",
            "SHARIFY_LOG_LEVEL": "LOUD",
            "SHARIFY_MAX_TRACKS_PER_PLAYLIST": "0",
            "SHARIFY_DISCORD_TOKEN": "MTA4NzY1NDMyMTAxMjM0NTY3OA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB",
        },
    )
    assert result.returncode == 2
    assert result.stdout == ""
    err = result.stderr
    assert "Traceback" not in err
    assert err.count("Sharify cannot start") == 1
    problems = [line.strip() for line in err.splitlines() if line.startswith("  ")]
    assert sorted(p.split(":")[0] for p in problems) == [
        "SHARIFY_HEALTH_PORT",
        "SHARIFY_LOG_LEVEL",
        "SHARIFY_MAX_TRACKS_PER_PLAYLIST",
    ]
    assert "MTA4NzY1" not in err  # a valid secret next to invalid settings is not echoed


def test_a_problem_across_settings_names_its_variables(tmp_path: Path) -> None:
    result = run_load_settings(tmp_path, {"SHARIFY_SHARD_IDS": "[5]", "SHARIFY_SHARD_COUNT": "2"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (problem,) = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert problem.startswith("SHARIFY_SHARD_IDS") and "SHARIFY_?" not in result.stderr


def test_valid_settings_load(tmp_path: Path) -> None:
    result = run_load_settings(tmp_path, {"SHARIFY_HEALTH_PORT": "9090", "SHARIFY_LOG_LEVEL": "debug"})
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "loaded", "")


def test_a_dotenv_in_the_working_directory_is_read(tmp_path: Path) -> None:
    # The other tests run in an empty directory precisely because of this.
    (tmp_path / ".env").write_text("SHARIFY_LOG_LEVEL=LOUD\n")
    result = run_load_settings(tmp_path, {})
    assert result.returncode == 2 and "SHARIFY_LOG_LEVEL" in result.stderr


def test_secrets_do_not_appear_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARIFY_DISCORD_TOKEN", "token-value-123")
    monkeypatch.setenv("SHARIFY_LASTFM_API_KEY", "lastfm-key-456")
    monkeypatch.setenv("SHARIFY_MONGODB_URI", "mongodb://user:password-789@host/db")
    s = Settings(_env_file=None)
    for text in (repr(s), str(s), repr(s.model_dump())):
        assert "token-value-123" not in text and "lastfm-key-456" not in text and "password-789" not in text
    assert s.mongodb_uri is not None and s.mongodb_uri.get_secret_value().endswith("@host/db")
