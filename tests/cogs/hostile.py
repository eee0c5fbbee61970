"""Hostile text a member could type, or Last.fm could return, for checking that nothing of it renders live."""

from __future__ import annotations

EVIL = "https://evil.example"

REVIEW_CASES = [
    "[click here - ](https://evil.example)",  # a track typed with Last.fm down: link syntax across the separator
    "x](https://evil.example) [y",  # a scrobbled title inside the bot's [title](url)
    "<@123456789012345678> and [free nitro](https://evil.example)",  # echoed by an error text
    "<@&123456789012345678> @here <@!123456789012345678>",  # history / undo texts
    "<#123456789012345678> at <t:1700000000:R>",
]

HOSTILE = [
    *REVIEW_CASES,
    "[click here",  # half a link: the next value may close it
    "](https://evil.example)",
    "[a](https://evil.example)",
    "[a](<https://evil.example>)",
    '[a](https://evil.example "title")',
    "[a]\n(https://evil.example)",
    "https://evil.example/path?q=1",
    "<https://evil.example>",
    "HTTPS://EVIL.EXAMPLE",
    "<@123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "<t:1700000000:R>",
    "<t:1700000000>",
    "</playlist show:123>",
    "<:sharify:123456789012345678> <a:dance:123456789012345678>",
    "<id:browse>",
    "@everyone",
    "@here",
    "`code` and ``<@1>``",
    "```\n<@123456789012345678>\n```",
    "||spoiler||",
    "# heading",
    "-# subtext",
    "- item",
    "1. first",
    "> quote",
    ">>> block quote",
    "**bold** __underline__ ~~strike~~ *it*",
    "ht\u200btps://evil.example",
    "<\u200b@123456789012345678>",
    "\u202eelpmaxe.live//:sptth",
    "line one\nline two\r\n# line three",
    "tab\there\x00nul\x1besc\u2028sep",
    "\\",  # a lone backslash: must not escape what the bot writes next
    "\\[a](https://evil.example)",
    "a" * 2500,
    "[x](https://evil.example) " * 230,  # 5,980 characters, just under a string option's 6,000
    "👨\u200d👩\u200d👧\u200d👦 family",
    "مرحبا بالعالم",
    "\ue000quoted\ue001 marker",
]
