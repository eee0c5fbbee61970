"""The production image's Dockerfile and .dockerignore, checked as text (no container engine here to build them)."""

from __future__ import annotations

import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEALTH_PORT = 8080


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_runtime_image() -> None:
    instructions = dockerfile_instructions()
    froms = [arg for op, arg in instructions if op == "FROM"]
    assert len(froms) == 2 and all(f.startswith("python:3.13-slim") for f in froms)
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    ops = dict(final)
    assert ops["USER"] == "10001:10001"
    assert ops["ENTRYPOINT"] == '["python", "-m", "bot", "run"]'
    assert ops["EXPOSE"] == str(HEALTH_PORT)
    assert ops["VOLUME"] == '["/data", "/tmp"]'
    assert "PYTHONDONTWRITEBYTECODE=1" in ops["ENV"] and "PYTHONUNBUFFERED=1" in ops["ENV"]
    assert "HEALTHCHECK" not in ops
    installs = [arg for op, arg in instructions if op == "RUN" and "pip install" in arg]
    assert installs and all("-c requirements.lock ." in arg and "[dev]" not in arg for arg in installs)
    assert any("--from=build /opt/venv" in arg for op, arg in final if op == "COPY")
    assert not any("pip install" in arg for op, arg in final if op == "RUN")  # no build tools in the final stage


def test_dockerignore_keeps_the_context_small() -> None:
    lines = [shlex.split(line)[0] for line in (ROOT / ".dockerignore").read_text().splitlines() if line[:1] not in "#"]
    assert lines[0] == "*"
    assert {"!pyproject.toml", "!requirements.lock", "!bot/", "!cogs/", "!storage/"} <= set(lines)
