"""User and Last.fm text made inert for Discord, in one place.

Everything a member typed, or Last.fm returned, goes through :func:`inert` before it reaches a message content, an
embed text, or the label of a masked link the bot builds itself (``[label](url)`` with a URL the bot made).

What Discord's client does with message text (its parser is a fork of simple-markdown): at each position it tries its
rules in order; the first is the *escape* rule: a backslash followed by an ASCII punctuation character shows that
character literally and ends any syntax it could have started. Then inline code (backticks; nothing inside code
renders), masked links ``[label](url)``, autolinks ``<https://...>``, mentions and other angle-bracket entities
(``<@id>``, ``<@!id>``, ``<@&id>``, ``<#id>``, ``</cmd:id>``, ``<t:N:R>``, ``<:emoji:id>``), bare URLs
(``https://...``, found where text stops before ``word:``), ``@everyone``/``@here``, emphasis (``* _ ~``), spoilers
(``||``), and at the start of a line headings (``#``), subtext (``-#``), lists (``-``, ``*``, ``1.``) and quotes
(``>``, ``>>>``).

The rules, applied in one ``str.translate`` (skipped for plain printable ASCII) and one regex substitution (plus one
anchored substitution for ordered lists):

1. Dropped: bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and invisible format
   characters that can hide or split syntax from a reader (U+200B, U+2060-U+2064, U+206A-U+206F, U+FEFF,
   U+180E, U+00AD). ZWJ and ZWNJ (U+200D, U+200C) stay: scripts and emoji sequences need them.
2. ``one_line=True`` (the default): every line break and control character (C0, C1, U+2028, U+2029) becomes a
   space, so one value can never start a new line (a heading, quote or list) or run into the next entry.
   ``one_line=False`` keeps line feeds (CR LF and CR become LF) and folds the other controls to a space.
3. Every character Discord's markdown gives meaning to anywhere is backslash-escaped: ``\\ * _ ~ ` | < [ ] ( ) : @``.
   ``:`` so ``https://`` never autolinks; ``<`` so no angle-bracket entity parses; ``@`` so ``@everyone`` and
   ``@here`` stay plain; ``|`` spoilers; backtick code; ``[ ] ( )`` links. ``# - >`` only mean something first on
   a line (heading, subtext, list, quote): they are escaped where a line of the value starts, and so is the dot of
   a line that starts with ``1.`` (``1\\.``), so no ordered list starts. (Mid-line they stay as typed, so
   "AC/DC - Back in Black" reads the same in the raw text.)
4. ``where="label"``: the text is for the inside of ``[...]``. Discord's link rule matches the label with a regular
   expression that does not honour escapes for brackets, so ``[`` and ``]`` become the fullwidth ``［`` ``］``
   there (never a bracket the link rule could pair); everything else is as in rule 3.
5. ``limit``: the result, escapes and the trailing "…" included, is at most ``limit`` characters; a cut never
   leaves a lone trailing backslash (which would escape whatever the bot writes next).

Undoing rule 3 (removing each escaping backslash) gives back the input minus the dropped characters and with the
folded whitespace, when nothing was clipped: the text stays readable as the member wrote it.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.domain.errors import QUOTE_CLOSE, QUOTE_OPEN

MESSAGE_MAX = 2000  # Discord's limit for message content
QUOTED_MAX = 200  # a user value quoted inside a bot sentence
ELLIPSIS = "…"

SPECIAL = "\\*_~`|<[]():@"  # everywhere
LINE_START = "#->"  # only where a line starts: a heading, subtext, list or quote needs to be first
DROPPED = (0x00AD, 0x180E, 0x200B, 0xFEFF, *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x2070))
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]


def _fold(*, one_line: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {c: " " for c in _CONTROLS}
    if not one_line:
        table[ord("\n")] = "\n"
        table[ord("\r")] = "\n"
    table.update(dict.fromkeys(DROPPED))
    return table


_FOLD = {one_line: _fold(one_line=one_line) for one_line in (True, False)}
_BRACKETS = str.maketrans({"[": "［", "]": "］"})
_SPECIAL = re.compile("[" + re.escape(SPECIAL) + "]")
_ORDERED = re.compile(r"^([ \t]*\d+)\.", re.MULTILINE)
_LINE_START = re.compile(r"^([ \t]*)([" + re.escape(LINE_START) + "])", re.MULTILINE)


def inert(
    text: str,
    *,
    limit: int | None = None,
    one_line: bool = True,
    where: Literal["text", "label"] = "text",
) -> str:
    """`text` made inert for message content and embed text (or a masked link's label); see the module notes."""
    if not (text.isascii() and text.isprintable()):  # plain printable ASCII has nothing to drop or fold
        if not one_line:
            text = text.replace("\r\n", "\n")
        text = text.translate(_FOLD[one_line])
    if where == "label":
        text = text.translate(_BRACKETS)
    out = _SPECIAL.sub(r"\\\g<0>", text)
    if out[:1].isspace() or out[:1].isdigit() or not one_line:
        out = _ORDERED.sub(r"\1\\.", out)
    if not one_line or out[:1] in " \t#->":
        out = _LINE_START.sub(r"\1\\\2", out)
    if limit is None or len(out) <= limit:
        return out
    return clip_escaped(out, limit)


def clip_escaped(text: str, limit: int) -> str:
    """Escaped text cut to `limit` characters with "…", never ending in a lone (escaping) backslash."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + ELLIPSIS


def clip(text: str, limit: int) -> str:
    """The bot's own text cut to `limit` characters with "…" (user text goes through :func:`inert` instead)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + ELLIPSIS


_QUOTED = re.compile(f"{QUOTE_OPEN}(.*?){QUOTE_CLOSE}", re.DOTALL)


def render_user_message(message: str, *, limit: int = MESSAGE_MAX) -> str:
    """A domain message made safe to send: each value marked by ``text.quoted`` becomes ``"value"`` made inert
    (at most QUOTED_MAX characters), the bot's own wording passes through, and the whole fits `limit`."""
    out = _QUOTED.sub(lambda m: '"' + inert(m.group(1), limit=QUOTED_MAX) + '"', message)
    out = out.replace(QUOTE_OPEN, "").replace(QUOTE_CLOSE, "")  # a stray marker never reaches Discord
    return clip(out, limit)
