"""The sandbox's line language, parsed into steps. One line is one step:

/playlist create name:chill mode:open            a slash command as the current member
as @bob in "Guild B": /playlist list             as another member and/or in another server, for this line
as @bob in "Guild B"                             ... or from now on
complete /playlist add name:chill track:daft     autocomplete: the last option is the one being typed
click Next                                       press a button on the previous reply (as @bob: prefix works)
clock +7d  /  clock 2026-12-04 17:00             move the bot's clock (UTC) and let due scheduled posts happen
select "Pick a mode" open                        choose values in a select menu of the previous reply
parallel ... end                                 the lines between run at the same time
# comment, blank lines, help, quit
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_PREFIX = re.compile(r'^(?:as\s+@(?P<user>[\w.-]+))?\s*(?:in\s+(?:"(?P<qguild>[^"]+)"|(?P<guild>\S+)))?\s*(?::|$)')
_OPTION = re.compile(r"^(?P<name>[a-z0-9_-]{1,32}):(?P<value>.*)$", re.DOTALL)


class ScriptError(ValueError):
    """A line that can't be understood; the message says why and how to write it."""


@dataclass
class Step:
    kind: str  # "command", "complete", "click", "select", "switch", "help", "quit", "parallel", "clock"
    text: str
    user: str | None = None
    guild: str | None = None
    command: str = ""
    options: dict[str, str] = field(default_factory=dict)
    target: str = ""  # button label, select placeholder
    values: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)  # for "parallel"


def parse_line(line: str) -> Step | None:
    """One line -> a Step (None for blank lines and comments)."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text in ("help", "?"):
        return Step("help", text)
    if text in ("quit", "exit"):
        return Step("quit", text)
    user = guild = None
    rest = text
    if text.startswith(("as ", "in ")):
        m = _PREFIX.match(text)
        if not m or not (m.group("user") or m.group("qguild") or m.group("guild")):
            raise ScriptError('Write the prefix as: as @name in "Server name": /command ...')
        user, guild = m.group("user"), m.group("qguild") or m.group("guild")
        rest = text[m.end() :].strip()
        if not rest:
            return Step("switch", text, user=user, guild=guild)
    step = _parse_action(rest)
    step.text, step.user, step.guild = text, user, guild
    return step


def _parse_action(rest: str) -> Step:
    try:
        words = shlex.split(rest)
    except ValueError as e:
        raise ScriptError(f"Unbalanced quotes: {e}") from None
    if not words:
        raise ScriptError("Nothing to do on this line.")
    head = words[0]
    if head == "click":
        if len(words) != 2:
            raise ScriptError('Write: click Next (quote labels with spaces: click "Add all")')
        return Step("click", rest, target=words[1])
    if head == "clock":
        return Step("clock", rest, target=" ".join(words[1:]))
    if head == "select":
        if len(words) < 3:
            raise ScriptError('Write: select "Placeholder or id" value [value ...]')
        return Step("select", rest, target=words[1], values=words[2:])
    kind = "command"
    if head == "complete":
        kind, words = "complete", words[1:]
        if not words:
            raise ScriptError("Write: complete /command option:partial-value")
    if not words[0].startswith("/"):
        raise ScriptError(f"Unknown instruction {words[0]!r}; type help for the list.")
    path = [words[0][1:]]
    options: dict[str, str] = {}
    for word in words[1:]:
        m = _OPTION.match(word)
        if m:
            options[m.group("name")] = m.group("value")
        elif options:
            raise ScriptError(f"{word!r} is not an option; write name:value (quote values with spaces).")
        else:
            path.append(word)
    if kind == "complete" and not options:
        raise ScriptError("complete needs at least one option: the last one is the one being typed.")
    return Step(kind, rest, command=" ".join(path), options=options)


def parse_script(lines: list[str]) -> list[Step]:
    """Every line of a script; `parallel` ... `end` groups lines. ScriptError names the line number."""
    steps: list[Step] = []
    block: Step | None = None
    opened = 0
    for number, line in enumerate(lines, start=1):
        try:
            stripped = line.strip()
            if stripped == "parallel":
                if block is not None:
                    raise ScriptError("parallel blocks can't be nested")
                block = Step("parallel", stripped)
                opened = number
                continue
            if stripped == "end":
                if block is None:
                    raise ScriptError("end without parallel")
                steps.append(block)
                block = None
                continue
            step = parse_line(line)
            if step is None:
                continue
            if block is not None:
                if step.kind not in ("command", "complete"):
                    raise ScriptError("only commands can run in parallel")
                block.steps.append(step)
            else:
                steps.append(step)
        except ScriptError as e:
            raise ScriptError(f"line {number}: {e}") from None
    if block is not None:
        raise ScriptError(f"line {opened}: parallel block without end")
    return steps
