"""The sandbox as a person uses it: a real `python -m bot` process, scripts, JSON output and the prompt."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import termios
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARIFY_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def run_bot(*args: str, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        check=False,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=clean_env(),
    )


SCRIPT = """\
/playlist create name:chill description:"late night"
/playlist add name:chill track:"Strange Lantern - Blue Cascade"
as @bob: /playlist add name:chill track:"tender wave - remember the meadow"
parallel
/playlist add name:chill track:"Elsa Okafor - Faded Lantern (Acoustic)"
as @carol: /playlist add name:chill track:"Amber Star - Blue Ember"
end
as @dave in "Guild B": /playlist list
complete /playlist show name:CH
/playlist show name:chill
"""


def test_script_transcript_shows_replies_and_embeds(tmp_path):
    (tmp_path / "demo.txt").write_text(SCRIPT)
    done = run_bot("sandbox", "--script", "demo.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "» @bob in Guild A: /playlist add" in out
    assert "Added **Tender Wave** — Remember the Meadow" in out  # as Last.fm spells it (offline catalogue)
    assert "No playlists yet" in out  # Guild B does not see Guild A's playlist
    assert "• chill  →  chill" in out
    assert "┌ 🎵 chill" in out and "Contributors: @alice (2), @bob (1), @carol (1)" in out
    assert "Traceback" not in done.stderr


def test_json_output_has_one_object_per_message_with_the_raw_payload(tmp_path):
    done = run_bot("sandbox", "--script", "-", "--json", stdin=SCRIPT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    messages = [r for r in records if r["kind"] == "message"]
    assert len(messages) == 7
    assert all(m["allowed_mentions"] == {"parse": []} for m in messages)
    show = messages[-1]
    assert show["embeds"][0]["title"] == "🎵 chill" and show["raw"][0]["type"] == 4
    assert next(r for r in records if r["kind"] == "autocomplete")["choices"] == [{"name": "chill", "value": "chill"}]


def test_a_failing_line_is_reported_and_sets_the_exit_code(tmp_path):
    done = run_bot("sandbox", "--script", "-", stdin="as @nobody: /playlist list\n/playlist list\n", cwd=tmp_path)
    assert done.returncode == 1
    assert '@nobody is not a member of "Guild A"' in done.stdout
    assert "Playlists on this server" in done.stdout


def test_an_unparsable_script_is_refused_before_starting(tmp_path):
    done = run_bot("sandbox", "--script", "-", stdin="parallel\n/playlist list\n", cwd=tmp_path)
    assert done.returncode == 2 and "line" in done.stderr and "without end" in done.stderr


def run_in_terminal(*args: str, stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Like run_bot, with standard input a terminal (a pseudo-terminal): a person at a prompt."""
    controller, terminal = os.openpty()
    attrs = termios.tcgetattr(terminal)
    attrs[3] &= ~termios.ECHO  # the terminal does not echo what is typed back to the controller
    termios.tcsetattr(terminal, termios.TCSANOW, attrs)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=clean_env(),
        )
        os.close(terminal)
        terminal = -1
        os.write(controller, stdin.encode())
        out, err = process.communicate(timeout=60)
    finally:
        if terminal != -1:
            os.close(terminal)
        os.close(controller)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_run_without_a_token_in_a_terminal_says_so_first_and_opens_the_sandbox_prompt(tmp_path):
    done = run_in_terminal("run", stdin="/playlist create name:first\nhelp\nquit\n", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert "No Discord token configured" in first and "SHARIFY_DISCORD_TOKEN" in first and "sandbox" in first
    assert "Created **first**" in done.stdout and '"Guild B"' in done.stdout


@pytest.mark.parametrize("stdin", ["", "/playlist create name:first\nquit\n"])
def test_run_without_a_token_and_without_a_terminal_refuses_to_start(tmp_path, stdin):
    done = run_bot("run", stdin=stdin, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""  # the sandbox did not start: it would have said so first
    (line,) = done.stderr.splitlines()
    assert "SHARIFY_DISCORD_TOKEN" in line and "Traceback" not in line


def test_sandbox_data_dir_keeps_playlists_between_runs(tmp_path):
    data = tmp_path / "data"
    run_bot("sandbox", "--data-dir", str(data), "--script", "-", stdin="/playlist create name:kept\n", cwd=tmp_path)
    again = run_bot("sandbox", "--data-dir", str(data), "--script", "-", stdin="/playlist list\n", cwd=tmp_path)
    assert "kept" in again.stdout
