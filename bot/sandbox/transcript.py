"""How the sandbox shows what the bot sent: as readable text, or as one JSON object per message."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from bot.sandbox.discord_sim import Reply

Names = Callable[[str, int], str]  # ("user" | "role" | "channel", id) -> display name
_MENTION = re.compile(r"<(@[!&]?|#)(\d{15,21})>")


def humanize(text: str, names: Names) -> str:
    """<@123> -> @alice, <@&456> -> @DJ, <#789> -> #general."""

    def swap(m: re.Match[str]) -> str:
        kind = {"@": "user", "@!": "user", "@&": "role", "#": "channel"}[m.group(1)]
        return ("#" if kind == "channel" else "@") + names(kind, int(m.group(2)))

    return _MENTION.sub(swap, text)


def render_message(content: str, embeds: list[dict[str, Any]], components: list[dict[str, Any]], names: Names) -> str:
    lines: list[str] = []
    if content:
        lines += content.splitlines()
    for embed in embeds:
        if embed.get("title"):
            lines.append(f"┌ {embed['title']}")
        for line in str(embed.get("description") or "").splitlines():
            lines.append(f"│ {line}")
        fields = embed.get("fields") or []
        inline = [f"{f['name']}: {f['value']}" for f in fields if f.get("inline")]
        if inline:
            lines.append("│ " + " · ".join(inline))
        for f in fields:
            if not f.get("inline"):
                lines.append(f"│ {f['name']}: {f['value']}")
        footer = (embed.get("footer") or {}).get("text")
        lines.append(f"└ {footer}" if footer else "└")
    buttons = []
    for row in components:
        for c in row.get("components") or []:
            label = c.get("label") or c.get("placeholder") or c.get("custom_id", "?")
            buttons.append(f"({label})" if c.get("disabled") else f"[{label}]")
    if buttons:
        lines.append(" ".join(buttons))
    return "\n".join(humanize(line, names) for line in lines)


def render_choices(choices: list[dict[str, Any]]) -> str:
    shown = [f"  • {c['name']}  →  {c['value']}" for c in choices] or ["  (no suggestions)"]
    return "\n".join(["suggestions:", *shown])


def render_reply(reply: Reply, names: Names) -> str:
    body = render_message(reply.content, reply.embeds, reply.components, names)
    for name, data in reply.files:
        body += f"\n📎 {name} ({len(data):,} bytes)"
    who = "Sharify (only you can see this)" if reply.ephemeral else "Sharify"
    indented = "\n".join("  " + line for line in body.splitlines()) or "  (no message)"
    return f"{who}:\n{indented}"


def json_records(reply: Reply, *, line: str, user: str, guild: str) -> list[str]:
    """One JSON object per message the bot sent for this step, with the raw Discord payloads.

    ``"spec"`` is the OpenAPI verdict: ``"valid"`` for a message (every body that made it passed), and Discord's
    nested errors on a ``"rejected"`` record for each body the simulator refused against the spec.
    """
    base = {"input": line, "as": user, "guild": guild, "ephemeral": reply.ephemeral}
    out = [
        json.dumps(
            {**base, "kind": "rejected", "route": f"{v.method} {v.path}", "code": v.code, "spec": v.errors,
             "body": v.body},
            ensure_ascii=False,
        )
        for v in reply.errors
        if v.kind == "spec"
    ]  # fmt: skip
    for message in reply.messages or []:
        out.append(
            json.dumps(
                {
                    **base,
                    "kind": "message",
                    "message_id": str(message.id),
                    "content": message.content,
                    "embeds": message.embeds,
                    "components": message.components,
                    "allowed_mentions": message.allowed_mentions,
                    "spec": "valid",
                    "raw": reply.raw,
                },
                ensure_ascii=False,
            )
        )
    return out
