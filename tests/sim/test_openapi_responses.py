"""What the simulator sends the bot, held to the response schemas of Discord's OpenAPI spec (strict snowflakes)."""

from __future__ import annotations

from typing import Any

from discord.ext import commands

from bot.sandbox.discord_sim import DiscordSimulator, SimFile, SimGuild, openapi


def _problems(validator: Any, value: Any) -> list[str]:
    errors = openapi.discord_errors(validator.iter_errors(value))
    return [str(errors)] if errors else []


async def test_rest_responses_match_the_spec(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    await sim.command(guild, "alice", "steps")  # defer, followups, edits, deletes, GET @original, GET channel
    shown = await sim.command(guild, "alice", "playlist show")
    await sim.click(shown, "Next")
    await sim.command(guild, "alice", "post", where="music", text="hello")
    await sim.command(guild, "alice", "upload", file=SimFile("notes.txt", b"abc"))
    await sim.autocomplete(guild, "alice", "playlist add", focused="track", track="be")
    await bot.http.get_global_commands(sim.bot_user.id)
    checked: set[str] = set()
    problems: list[str] = []
    for record in sim.requests:
        if record.response is None or record.path.startswith("/attachments/"):
            continue
        route = next(r for r in openapi.SPEC_PATHS if _matches(r, record.path))
        pointer = openapi.response_schema_pointer(openapi.SPEC_PATHS[route], record.method, record.status)
        assert pointer, f"no response schema for {record.route} {record.status}"
        problems.extend(f"{record.route}: {p}" for p in _problems(openapi.response_validator(pointer), record.response))
        checked.add(f"{record.method} {route}")
    assert not problems, "\n".join(p[-400:] for p in problems)
    assert len(checked) >= 9, checked


def _matches(route: str, path: str) -> bool:
    want, got = route.split("/"), path.split("/")
    return len(want) == len(got) and all(w == g or w.startswith("{") for w, g in zip(want, got, strict=True))


async def test_gateway_objects_match_the_spec(sim: DiscordSimulator, guild: SimGuild, bot: commands.Bot):
    shown = await sim.command(guild, "alice", "playlist show")
    await sim.click(shown, "Next")
    await sim.command(guild, "alice", "playlist admin purge", count=1, who="bob", role="DJ")
    sim.add_role(guild, "Late role")
    sim.add_member(guild, "late member")
    sim.add_channel(guild, "late-channel")
    await sim.command(guild, "alice", "ping")  # drains the live dispatches first
    schemas = {
        "role": openapi.component_validator("GuildRoleResponse"),
        "channel": openapi.component_validator("GuildChannelResponse"),
        "member": openapi.component_validator("GuildMemberResponse"),
        "user": openapi.component_validator("UserResponse"),
        "message": openapi.component_validator("MessageResponse"),
    }
    seen: dict[str, int] = dict.fromkeys(schemas, 0)
    problems: list[str] = []

    def check(kind: str, value: Any) -> None:
        seen[kind] += 1
        problems.extend(f"{kind}: {p}" for p in _problems(schemas[kind], value))

    history = [item for session in sim.gateway.sessions.values() for item in session.history]
    for _, event, data in history:
        if event == "GUILD_CREATE":
            for role in data.get("roles", []):
                check("role", role)
            for channel in data.get("channels", []):
                check("channel", channel)
            for member in data.get("members", []):
                check("member", member)
        elif event == "GUILD_ROLE_CREATE":
            check("role", data["role"])
        elif event == "CHANNEL_CREATE":
            check("channel", data)
        elif event == "GUILD_MEMBER_ADD":
            check("member", {k: v for k, v in data.items() if k != "guild_id"})
        elif event == "INTERACTION_CREATE":
            check("member", {k: v for k, v in data["member"].items() if k != "permissions"})
            if "message" in data:
                check("message", data["message"])
            for user in (data["data"].get("resolved") or {}).get("users", {}).values():
                check("user", user)
            for role in (data["data"].get("resolved") or {}).get("roles", {}).values():
                check("role", role)
    assert not problems, sorted(set(problems))
    assert all(seen.values()), seen
