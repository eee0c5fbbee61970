"""inert(): user and Last.fm text that renders as typed and never as a link, mention, heading or code."""

from __future__ import annotations

import re
import timeit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.domain import text
from bot.sandbox.discord_sim.markdown import entities
from cogs.common import clip, safe
from cogs.render import DROPPED, ELLIPSIS, MESSAGE_MAX, QUOTED_MAX, SPECIAL, inert, render_user_message

from .hostile import EVIL, HOSTILE, REVIEW_CASES

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_FOLDED = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def unescape(escaped: str) -> str:
    return _ESCAPE.sub(r"\1", escaped)


def expected(raw: str) -> str:
    """What a reader sees: the input without the dropped characters, every line break and control a space."""
    kept = raw.translate(dict.fromkeys(DROPPED))
    return _FOLDED.sub(" ", kept)


def trailing_backslashes(s: str) -> int:
    return len(s) - len(s.rstrip("\\"))


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_no_hostile_value_renders_anything(raw: str):
    for where in ("text", "label"):
        out = inert(raw, where=where)  # type: ignore[arg-type]
        assert entities(out) == [], (raw, out)
        assert "\n" not in out and "\r" not in out
        assert trailing_backslashes(out) % 2 == 0
        clipped = inert(raw, limit=100, where=where)  # type: ignore[arg-type]
        assert len(clipped) <= 100 and entities(clipped) == []
        assert trailing_backslashes(clipped) % 2 == 0


def test_the_hostile_corpus_is_hostile():
    """The detector sees what the review saw, so the test above can fail."""
    for raw in REVIEW_CASES:
        assert entities(raw), raw
    assert sum(bool(entities(raw)) for raw in HOSTILE) >= 25


@pytest.mark.parametrize(
    ("raw", "out"),
    [
        ("Daft Punk", "Daft Punk"),
        ("AC/DC", "AC/DC"),
        ("Mr. Brightside", "Mr. Brightside"),
        ("Jay-Z", "Jay-Z"),  # a dash means something only first on a line
        ("- item", "\\- item"),
        ("-# small", "\\-# small"),
        ("> quote", "\\> quote"),
        ("a > b # c", "a > b # c"),
        ("@everyone", "\\@everyone"),
        ("<@123>", "\\<\\@123>"),
        ("https://x.example", "https\\://x.example"),
        ("a\\b", "a\\\\b"),
        ("# big", "\\# big"),
        ("12. twelfth", "12\\. twelfth"),
        ("  3. indented", "  3\\. indented"),
        ("Vol. 2. Remix", "Vol. 2. Remix"),
        ("||x||", "\\|\\|x\\|\\|"),
        ("a\nb\rc\td", "a b c d"),
        ("ht\u200btps\u2060://\ufeffx", "https\\://x"),
        ("\u202eabc\u2066d\u2069", "abcd"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("क्\u200dष", "क्\u200dष"),
        ("", ""),
    ],
)
def test_rules(raw: str, out: str):
    assert inert(raw) == out


def test_every_special_character_is_escaped():
    assert inert(SPECIAL) == "".join("\\" + c for c in SPECIAL)


def test_multi_line_keeps_line_feeds_but_no_line_starts_syntax():
    out = inert("one\r\n# two\r> three\n- four\n5. five\x0bsix", one_line=False)
    assert out == "one\n\\# two\n\\> three\n\\- four\n5\\. five six"


def test_label_has_no_brackets_for_the_link_rule_to_pair():
    out = inert("x](https://evil.example) [y", where="label")
    assert "[" not in out.replace("\\[", "") and "]" not in out.replace("\\]", "")
    assert out == "x］\\(https\\://evil.example\\) ［y"
    link = f"[{out}](https://www.last.fm/music/x)"
    assert [(e.kind, e.value) for e in entities(link)] == [("link", "https://www.last.fm/music/x")]


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 4, 5, 10])
def test_limit_counts_escapes_and_never_leaves_a_lone_backslash(limit: int):
    for raw in ("\\\\\\\\\\\\", "@@@@@@@@", "ab\\cd\\ef", "<@1234567>"):
        out = inert(raw, limit=limit)
        assert len(out) <= limit
        assert trailing_backslashes(out.removesuffix(ELLIPSIS)) % 2 == 0, out
        full = inert(raw)
        assert out == full if len(full) <= limit else (out.endswith(ELLIPSIS) or limit == 0)
    assert inert("short", limit=5) == "short" and inert("longer", limit=5) == "long…"


def test_safe_delegates_and_clip_stays_for_bot_text():
    assert safe("[a](https://evil.example)") == inert("[a](https://evil.example)")
    assert safe("<@&123456789012345678> hi", 8).endswith("…") and len(safe("x" * 50, 8)) == 8
    assert clip("**bold**", 8) == "**bold**" and clip("**bold** text!", 8) == "**bold*…"


@settings(max_examples=400, deadline=None)
@given(st.text(), st.integers(min_value=0, max_value=300))
@example("x](https://evil.example) [y", 20)
@example("\\" * 7, 4)
@example("<\u200b@123>", 3)
def test_properties(raw: str, limit: int):
    out = inert(raw)
    assert entities(out) == []
    assert unescape(out) == expected(raw)
    assert "\n" not in out
    label = inert(raw, where="label")
    assert entities(label) == [] and "[" not in label and "]" not in label
    clipped = inert(raw, limit=limit)
    assert len(clipped) <= limit and entities(clipped) == []
    assert trailing_backslashes(clipped.removesuffix(ELLIPSIS)) % 2 == 0
    if len(out) <= limit:
        assert clipped == out
    multi = inert(raw, one_line=False)
    assert entities(multi) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*HOSTILE[:40], "[", "]", "(", ")", EVIL, " - ", "\n"]), max_size=8))
def test_concatenated_values_stay_inert(parts: list[str]):
    """One entry's value next to the next one's (the /playlist show case) never forms a link across them."""
    joined = " — ".join(inert(p, limit=120) for p in parts)
    assert entities(joined) == []


def test_render_user_message_escapes_quoted_values_once_and_keeps_the_bots_wording():
    message = f"There is no playlist named {text.quoted('<@1> [x](https://evil.example)')} in the **trash**."
    out = render_user_message(message)
    assert out == 'There is no playlist named "\\<\\@1> \\[x\\]\\(https\\://evil.example\\)" in the **trash**.'
    assert entities(out) == []


def test_render_user_message_clips_values_and_the_whole_message():
    out = render_user_message(f"Named {text.quoted('n' * 2500)}.")
    assert out == 'Named "' + "n" * (QUOTED_MAX - 1) + '…".'
    many = " ".join(text.quoted("@" * 300) for _ in range(20))
    out = render_user_message(many)
    assert len(out) <= MESSAGE_MAX and entities(out) == []


def test_a_value_cannot_close_its_own_quote():
    sneaky = "a\ue001 <@1> \ue000b"
    out = render_user_message(f"x {text.quoted(sneaky)} y")
    assert out == 'x "a \\<\\@1> b" y' and entities(out) == []
    assert render_user_message("stray \ue001 marker \ue000 end") == "stray  marker  end"


def test_inert_is_cheap():
    """A guard against a per-character Python loop or quadratic work sneaking in (a 100-character value takes
    about 10 µs on an idle machine); generous so a busy machine does not fail it."""
    value = ("Daft Punk - One More Time (Radio Edit) [feat. Romanthony] <@123> https://x.example/a_b*c " * 2)[:100]
    per_call = min(timeit.repeat(lambda: inert(value, limit=200), number=2000, repeat=3)) / 2000
    long = min(timeit.repeat(lambda: inert(value * 60, limit=200), number=50, repeat=3)) / 50
    assert long < 60 * 4 * per_call + 1e-3, "cost grows faster than the length"
    assert per_call < 250e-6, f"{per_call * 1e6:.1f} µs per call"
