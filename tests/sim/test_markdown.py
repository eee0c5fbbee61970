"""The live-entity detector: what Discord's client would render as a link, mention, timestamp or emoji."""

from __future__ import annotations

import pytest

from bot.sandbox.discord_sim.markdown import Entity, entities, entities_in_payload, foreign

EVIL = "https://evil.example"
ID = "123456789012345678"

POSITIVE = [
    # the review cases
    ("Added **A** — [click here - ](https://evil.example)", [("link", EVIL)]),
    (
        "[x](https://evil.example) [y](https://www.last.fm/music/x)",
        [("link", EVIL), ("link", "https://www.last.fm/music/x")],
    ),
    ("No playlist named <@123456789012345678>", [("user", ID)]),
    ("undo: <@&123456789012345678> @here", [("role", ID), ("everyone", "here")]),
    ("<#123456789012345678> <t:1700000000:R>", [("channel", ID), ("timestamp", "1700000000")]),
    # an escaped title that still breaks out: the escapes are per field, the link spans two
    ("\\[click here \\- ](https://evil.example)", [("url", EVIL)]),
    ("**A** — [x](https://evil.example)", [("link", EVIL)]),
    ("[label](<https://evil.example>)", [("link", EVIL)]),
    ('[label](https://evil.example "title")', [("link", EVIL)]),
    ("[a [nested] label](https://evil.example)", [("link", EVIL)]),
    ("[<@1>](https://evil.example)", [("user", "1"), ("link", EVIL)]),
    ("see <https://evil.example>", [("autolink", EVIL)]),
    ("see https://evil.example/a_b.", [("url", "https://evil.example/a_b")]),
    ("xhttps://evil.example", [("url", EVIL)]),
    ("ht\u200btps://evil.example", [("url", EVIL)]),
    ("<\u200b@1>", [("user", "1")]),
    ("<@!42>", [("user", "42")]),
    ("</playlist show:123>", [("command", "123")]),
    ("<t:1700000000>", [("timestamp", "1700000000")]),
    ("<:party:99> <a:dance:98>", [("emoji", "99"), ("emoji", "98")]),
    ("<id:browse>", [("navigation", "browse")]),
    ("hi @everyone", [("everyone", "everyone")]),
    ("\\\\<@1>", [("user", "1")]),  # an escaped backslash does not escape what follows
    ("`code` <@1>", [("user", "1")]),
    ("`unclosed <@1>", [("user", "1")]),
    ("a\\`b <@1> c`", [("user", "1")]),
]

NEGATIVE = [
    "plain text, Mr. Brightside — The Killers",
    "\\[click here\\](https\\://evil.example)",
    "x\\]\\(https\\://evil.example\\) \\[y",
    "\\<\\@123456789012345678\\> \\<\\@&1\\> \\<\\#1\\> \\<t\\:1\\:R\\> \\</a\\:1\\>",
    "\\@everyone \\@here",
    "https\\://evil.example",
    "`<@1> https://evil.example`",
    "``a ` <@1>``",
    "```\n[x](https://evil.example)\n```",
    "[a]\\(https\\://evil.example)",
    "<@name>",
    "<t:soon>",
    "@every one",
    "mailto: someone",
]


@pytest.mark.parametrize(("text", "found"), POSITIVE, ids=range(len(POSITIVE)))
def test_live_entities_are_found(text: str, found: list[tuple[str, str]]):
    assert [(e.kind, e.value) for e in entities(text)] == found


@pytest.mark.parametrize("text", NEGATIVE, ids=range(len(NEGATIVE)))
def test_inert_text_has_none(text: str):
    assert entities(text) == []


def test_payload_walks_content_and_every_embed_text():
    payload = {
        "content": "<@1>",
        "embeds": [
            {
                "title": "<#2>",
                "description": "[d](https://evil.example)",
                "fields": [{"name": "@here", "value": "<t:3:R>"}],
                "footer": {"text": "<@&4>"},
                "author": {"name": "https://author.example"},
                "url": "https://ignored.example",  # a URL field is not rendered text
            }
        ],
    }
    kinds = [e.kind for e in entities_in_payload(payload)]
    assert kinds == ["user", "channel", "link", "everyone", "timestamp", "role", "url"]
    assert entities_in_payload({}) == [] and entities_in_payload({"content": None, "embeds": []}) == []


def test_foreign_keeps_only_what_the_bot_did_not_make():
    found = [
        Entity("link", "https://www.last.fm/music/A/_/B"),
        Entity("link", "https://open.spotify.com/search/x"),
        Entity("url", EVIL),
        Entity("link", "https://www.last.fm.evil.example/x"),
        Entity("link", "javascript:alert(1)"),
        Entity("user", "8"),
        Entity("user", "9"),
        Entity("everyone", "here"),
    ]
    assert foreign(found, own_ids=["8"]) == [found[2], found[3], found[4], found[6], found[7]]
