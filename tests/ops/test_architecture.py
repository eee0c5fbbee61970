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
