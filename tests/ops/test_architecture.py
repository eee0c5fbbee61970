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


# -- direction rules: cogs -> services -> ports <- adapters ------------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str = "", *, is_package: bool = False) -> set[str]:
    """Every module `source` imports, anywhere in it; relative imports resolved against `module`."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if package else []
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            found.add(prefix)
            found |= {f"{prefix}.{alias.name}" for alias in node.names if alias.name != "*"}  # `from bot import config`
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in {
            "import_module",
            "__import__",
        }:
            args = node.args
            if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                found.add(args[0].value)
    return found


def is_under(name: str, target: str) -> bool:
    return name == target or name.startswith(target + ".")


def violations(directory: str, forbidden: str, *, skip: tuple[str, ...] = ()) -> list[str]:
    """`path: module` for every import of `forbidden` (or below it) by a module under `directory`."""
    found = []
    for path in sorted((ROOT / directory).rglob("*.py")):
        module = module_name(path)
        if any(is_under(module, s) for s in skip):
            continue
        imports = imported_modules(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py")
        hits = {name for name in imports if is_under(name, forbidden)}
        hits = {name for name in hits if not any(name != other and is_under(name, other) for other in hits)}
        found += [f"{path.relative_to(ROOT)}: {name}" for name in sorted(hits)]
    return found


@pytest.mark.parametrize(
    "adapter",
    [
        "storage",
        "bot/lastfm",
    ],
)
def test_adapters_take_plain_values_not_the_settings(adapter: str) -> None:
    assert violations(adapter, "bot.config") == []


@pytest.mark.parametrize(
    "forbidden",
    [
        "bot.lastfm",
        "storage",
        "cogs",
        "discord",
        "bot.config",
        "bot.runtime",
        "bot.sandbox",
        "bot.app",
        "bot.client",
        "bot.services",
    ],
)
def test_the_domain_imports_no_adapter_and_nothing_of_the_process(forbidden: str) -> None:
    assert violations("bot/domain", forbidden) == []


@pytest.mark.parametrize(
    "forbidden",
    [
        "storage",
        "bot.lastfm",
        "bot.config",
    ],
)
def test_cogs_import_no_adapter_and_no_config(forbidden: str) -> None:
    assert violations("cogs", forbidden) == []


def test_cogs_get_services_only_not_the_ports() -> None:
    assert violations("cogs", "bot.domain.ports") == []


@pytest.mark.parametrize("directory", ["bot", "cogs", "storage"])
def test_the_product_does_not_import_the_sandbox(directory: str) -> None:
    """The sandbox is not installed: only the CLI's sandbox command reaches for it, and says so when it is missing."""
    assert violations(directory, "bot.sandbox", skip=("bot.sandbox", "bot.__main__")) == []


def test_the_cli_imports_the_sandbox_only_inside_its_command() -> None:
    tree = ast.parse((ROOT / "bot" / "__main__.py").read_text(encoding="utf-8"))
    top_level = imported_modules(
        ast.unparse(ast.Module([n for n in tree.body if not isinstance(n, ast.FunctionDef)], []))
    )
    assert not any(is_under(name, "bot.sandbox") for name in top_level)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("from bot.config import Settings", "storage.x", "bot.config"),
        ("from bot import config", "storage.x", "bot.config"),
        ("import bot.config as c", "storage.x", "bot.config"),
        ("def f():\n    from bot.config import Settings\n", "storage.x", "bot.config"),
        ("from ..config import Settings", "bot.lastfm.client", "bot.config"),
        ("from . import config", "bot.x", "bot.config"),
        ("import importlib\nimportlib.import_module('storage.sqlite')", "cogs.x", "storage"),
        ("from storage.sqlite import db", "cogs.x", "storage"),
    ],
)
def test_the_checker_finds_each_form_of_import(source: str, module: str, expected: str) -> None:
    assert any(is_under(name, expected) for name in imported_modules(source, module))


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("from bot.domain.ports.storage import Storage", "storage"),
        ("import storage_tools", "storage"),
        ("from bot.configuration import x", "bot.config"),
        ("from .storage import x", "storage"),  # bot.domain.ports.storage, relative
    ],
)
def test_the_checker_does_not_confuse_similar_names(source: str, forbidden: str) -> None:
    assert not any(is_under(name, forbidden) for name in imported_modules(source, "bot.domain.ports.x"))
