"""Application-command definitions: Discord's validation on sync, and building interaction options from them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .validation import DiscordAPIError, FormErrors

JSON = dict[str, Any]

# discord.py's own pattern (app_commands/commands.py); Discord's is \p{L}\p{N} based, lowercase for CHAT_INPUT.
NAME_RE = re.compile(r"^[-_\w\d\u0901-\u097D\u0E00-\u0E7F]{1,32}$")
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
# The spec (ApplicationCommandUpdateRequest) gives the description only a maximum of 100 and lets it be null;
# Discord requires 1-100 characters for CHAT_INPUT commands and options (application-commands.mdx:31, :73), so the
# lower bound is checked here. The 8000-character total and the per-type counts are beyond the spec too.
MAX_TOTAL_CHARS = 8000
MAX_PER_TYPE = {1: 100, 2: 15, 3: 15}


class CommandUsageError(LookupError):
    """A test asked for a command, subcommand or option that the bot never registered."""


def _check_name(errors: FormErrors, path: tuple[str | int, ...], name: Any, *, chat_input: bool) -> None:
    text = name if isinstance(name, str) else ""
    if chat_input:
        if not NAME_RE.match(text) or text != text.lower():
            errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", f"Command name is invalid: {text!r}")
    else:
        errors.between((*path, "name"), text, 1, 32)


def _char_count(node: Mapping[str, Any]) -> int:
    size = len(str(node.get("name", ""))) + len(str(node.get("description", "")))
    for choice in node.get("choices") or []:
        size += len(str(choice.get("name", ""))) + len(str(choice.get("value", "")))
    return size + sum(_char_count(option) for option in node.get("options") or [])


def _check_options(errors: FormErrors, path: tuple[str | int, ...], options: Sequence[JSON], depth: int) -> None:
    errors.too_long((*path, "options"), options, 25)
    names: set[str] = set()
    kinds = {o.get("type") for o in options}
    if kinds & {SUB_COMMAND, SUB_COMMAND_GROUP} and kinds - {SUB_COMMAND, SUB_COMMAND_GROUP}:
        errors.add((*path, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Cannot mix subcommands")
    seen_optional = False
    for index, option in enumerate(options):
        where = (*path, "options", index)
        kind = option.get("type")
        _check_name(errors, where, option.get("name"), chat_input=True)
        errors.between((*where, "description"), option.get("description"), 1, 100)
        if option.get("name") in names:
            errors.add(
                (*where, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists"
            )
        names.add(option.get("name", ""))
        if not isinstance(kind, int) or not 1 <= kind <= 11:
            errors.add((*where, "type"), "BASE_TYPE_CHOICES", f"Value must be one of 1-11, got {kind!r}")
            continue
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= (2 if kind == SUB_COMMAND else 1):
                errors.add((*where, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Nested too deeply")
            children = option.get("options") or []
            if kind == SUB_COMMAND_GROUP and any(c.get("type") != SUB_COMMAND for c in children):
                errors.add((*where, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only subcommands")
            _check_options(errors, where, children, depth + 1)
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    (*where, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            seen_optional = True
        choices = option.get("choices") or []
        errors.too_long((*where, "choices"), choices, 25)
        if choices and option.get("autocomplete"):
            errors.add((*where, "autocomplete"), "BASE_TYPE_BAD_VALUE", "Autocomplete cannot be used with choices")
        for number, choice in enumerate(choices):
            errors.between((*where, "choices", number, "name"), choice.get("name"), 1, 100)
            if isinstance(choice.get("value"), str):
                errors.too_long((*where, "choices", number, "value"), choice["value"], 100)
        for key in ("min_length", "max_length"):
            if key in option and option[key] is not None and not 0 <= int(option[key]) <= 6000:
                errors.add((*where, key), "NUMBER_TYPE_MAX", "Must be between 0 and 6000.")


def validate_commands(commands: Sequence[JSON]) -> None:
    """Raise 400/50035 like Discord when any definition in a bulk overwrite breaks a limit."""
    errors = FormErrors()
    if not isinstance(commands, list):
        raise DiscordAPIError(400, 50035, "Invalid Form Body", {"_errors": [{"code": "BASE_TYPE_ARRAY"}]})
    counts: dict[int, int] = {}
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = int(command.get("type") or 1)
        counts[kind] = counts.get(kind, 0) + 1
        chat_input = kind == 1
        _check_name(errors, (index,), command.get("name"), chat_input=chat_input)
        if chat_input:
            errors.between((index, "description"), command.get("description"), 1, 100)
            _check_options(errors, (index,), command.get("options") or [], 0)
        key = (kind, str(command.get("name")))
        if key in seen:
            errors.add((index, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate name {key[1]!r}")
        seen.add(key)
        if _char_count(command) > MAX_TOTAL_CHARS:
            errors.add((index,), "APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({MAX_TOTAL_CHARS})")
    for kind, count in counts.items():
        if count > MAX_PER_TYPE.get(kind, 100):
            errors.add((), "APPLICATION_COMMANDS_TOO_MANY", f"Too many commands of type {kind}")
    errors.raise_if_any()


PLACEHOLDER_DESCRIPTION = "…"  # what discord.py sends when a command or parameter has no description


def placeholder_descriptions(commands: Sequence[JSON]) -> tuple[list[str], JSON]:
    """Commands and options still described by discord.py's placeholder: names (``/cmd sub option``) and errors.

    Discord accepts the placeholder, so the spec can't catch it; users see "…" in the command picker. A separate
    check (``strict_descriptions``) makes it a rejected sync.
    """
    errors = FormErrors()
    found: list[str] = []

    def visit(node: JSON, trail: tuple[str, ...], path: tuple[str | int, ...]) -> None:
        if node.get("description") == PLACEHOLDER_DESCRIPTION:
            found.append("/" + " ".join(trail))
            errors.add((*path, "description"), "PLACEHOLDER_DESCRIPTION", "Describe this: users see only '…'")
        for index, option in enumerate(node.get("options") or []):
            visit(option, (*trail, str(option.get("name"))), (*path, "options", index))

    for index, command in enumerate(commands if isinstance(commands, list) else []):
        if int(command.get("type") or 1) == 1:
            visit(command, (str(command.get("name")),), (index,))
    return found, errors.nested()


Resolve = Callable[[int, Any], str]
"""Turns a test value for an entity option (user, channel, role, mentionable, attachment) into its id string,
recording the matching ``resolved`` entry as a side effect."""


def split_path(path: str) -> list[str]:
    parts = path.split()
    if not parts:
        raise CommandUsageError("empty command path")
    return parts


def build_options(
    command: JSON,
    path: Sequence[str],
    values: Mapping[str, Any],
    resolve: Resolve,
    *,
    focused: str | None = None,
) -> list[JSON]:
    """Build ``data.options`` for ``path`` (``["playlist", "add"]``) from the registered definition."""
    definitions: list[JSON] = command.get("options") or []
    trail = [command["name"]]
    for part in path[1:]:
        match = next(
            (o for o in definitions if o.get("name") == part and o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)),
            None,
        )
        if match is None:
            known = [o["name"] for o in definitions if o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            raise CommandUsageError(f"/{' '.join(trail)} has no subcommand {part!r} (known: {known})")
        trail.append(part)
        definitions = match.get("options") or []
    if any(o.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in definitions):
        known = [o["name"] for o in definitions]
        raise CommandUsageError(f"/{' '.join(trail)} needs a subcommand (known: {known})")
    leaf = _leaf_options(" ".join(trail), definitions, values, resolve, focused)
    return _wrap(path[1:], command, leaf)


def _wrap(parts: Sequence[str], command: JSON, leaf: list[JSON]) -> list[JSON]:
    definitions: list[JSON] = command.get("options") or []
    chain: list[JSON] = []
    for part in parts:
        node = next(o for o in definitions if o.get("name") == part)
        chain.append(node)
        definitions = node.get("options") or []
    options = leaf
    for node in reversed(chain):
        options = [{"name": node["name"], "type": node["type"], "options": options}]
    return options


def _leaf_options(
    where: str, definitions: Sequence[JSON], values: Mapping[str, Any], resolve: Resolve, focused: str | None
) -> list[JSON]:
    by_name = {o["name"]: o for o in definitions}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise CommandUsageError(f"/{where} has no option(s) {unknown} (known: {sorted(by_name)})")
    if focused is not None and focused not in by_name:
        raise CommandUsageError(f"/{where} has no option {focused!r} to focus (known: {sorted(by_name)})")
    if focused is None:
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in values]
        if missing:
            raise CommandUsageError(f"/{where} is missing required option(s) {missing}")
    options: list[JSON] = []
    for name, raw in values.items():
        definition = by_name[name]
        kind = int(definition["type"])
        if name == focused:
            options.append({"name": name, "type": kind, "value": str(raw), "focused": True})
            continue
        options.append({"name": name, "type": kind, "value": _convert(where, definition, raw, resolve)})
    if focused is not None and focused not in values:
        options.append({"name": focused, "type": int(by_name[focused]["type"]), "value": "", "focused": True})
    return options


def _convert(where: str, definition: JSON, raw: Any, resolve: Resolve) -> Any:
    kind = int(definition["type"])
    name = definition["name"]
    if kind == STRING:
        value: Any = str(raw)
    elif kind == INTEGER:
        value = int(raw)
    elif kind == NUMBER:
        value = float(raw)
    elif kind == BOOLEAN:
        if not isinstance(raw, bool):
            raise CommandUsageError(f"/{where} option {name!r} takes a bool, got {raw!r}")
        value = raw
    else:
        return resolve(kind, raw)
    choices = definition.get("choices")
    if choices:
        for choice in choices:
            if value in (choice["value"], choice["name"]):
                return choice["value"]
        raise CommandUsageError(f"/{where} option {name!r}: {raw!r} is not one of {[c['name'] for c in choices]}")
    low, high = definition.get("min_value"), definition.get("max_value")
    if kind in (INTEGER, NUMBER) and ((low is not None and value < low) or (high is not None and value > high)):
        raise CommandUsageError(f"/{where} option {name!r}: {value} is outside [{low}, {high}]")
    if kind == STRING:
        size = len(value)
        if size < int(definition.get("min_length") or 0) or size > int(definition.get("max_length") or 6000):
            raise CommandUsageError(f"/{where} option {name!r}: length {size} breaks min/max_length")
    return value
