"""The Discord-free core: nothing under bot/domain, bot/lastfm or storage imports discord."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ("bot/domain", "bot/lastfm", "storage")


def discord_imports(source: str) -> list[str]:
    """Every `import discord...` / `from discord... import` in `source`, wherever it is (functions, TYPE_CHECKING)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "discord"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "discord":
                found.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in {
            "import_module",
            "__import__",
        }:
            args = node.args
            if args and isinstance(args[0], ast.Constant) and str(args[0].value).split(".")[0] == "discord":
                found.append(str(args[0].value))
    return found


def core_files() -> list[Path]:
    return sorted(p for d in CORE for p in (ROOT / d).rglob("*.py"))


def test_there_is_a_core_to_check() -> None:
    files = core_files()
    assert any(p.parts[-2] == "domain" for p in files)
    assert any("storage" in p.parts for p in files)


@pytest.mark.parametrize("path", core_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_does_not_import_discord(path: Path) -> None:
    assert discord_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import discord",
        "import discord.ext.commands as c",
        "import os, discord",
        "from discord import Embed",
        "from discord.ext import commands",
        "def f():\n    import discord\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from discord import Interaction\n",
        "import importlib\nimportlib.import_module('discord.ui')",
    ],
)
def test_the_checker_finds_discord_imports(source: str) -> None:
    assert discord_imports(source)


@pytest.mark.parametrize("source", ["import discordant", "from .discord import x", "from bot.domain import discord"])
def test_the_checker_ignores_other_modules(source: str) -> None:
    assert discord_imports(source) == []


# -- one-way dependencies: the domain imports no adapter, the Last.fm adapter reads no configuration ------------

DOMAIN_FORBIDDEN = ("bot.lastfm", "storage", "cogs", "discord", "bot.config")
LASTFM_FORBIDDEN = ("bot.config",)


def imported_modules(source: str) -> list[str]:
    """Every absolute module `source` imports, wherever the import is (functions, TYPE_CHECKING, import_module).
    `from a import b` counts as both `a` and `a.b` (b may be a module)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(str(node.args[0].value))
    return found


def forbidden_imports(source: str, forbidden: tuple[str, ...]) -> list[str]:
    """The forbidden packages `source` reaches into."""
    return sorted({f for m in imported_modules(source) for f in forbidden if m == f or m.startswith(f + ".")})


def package_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize(("package", "forbidden"), [("bot/domain", DOMAIN_FORBIDDEN), ("bot/lastfm", LASTFM_FORBIDDEN)])
def test_dependencies_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    files = package_files(package)
    assert len(files) > 3
    offenders = {
        str(p.relative_to(ROOT)): bad
        for p in files
        if (bad := forbidden_imports(p.read_text(encoding="utf-8"), forbidden))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import bot.lastfm", ["bot.lastfm"]),
        ("from bot.lastfm.client import LastfmClient", ["bot.lastfm"]),
        ("from bot import lastfm", ["bot.lastfm"]),
        ("from bot import config", ["bot.config"]),
        ("from storage.sqlite import x", ["storage"]),
        ("def f():\n    import cogs.common\n", ["cogs"]),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from discord import Embed\n", ["discord"]),
        ("import importlib\nimportlib.import_module('bot.config')", ["bot.config"]),
        ("from bot.domain.models import Track", []),
        ("import storagex\nfrom bot.lastfmish import y", []),
    ],
)
def test_the_dependency_checker(source: str, found: list[str]) -> None:
    assert forbidden_imports(source, DOMAIN_FORBIDDEN) == found
