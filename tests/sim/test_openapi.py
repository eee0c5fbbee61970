"""Request bodies against Discord's OpenAPI spec: route coverage, one broken body per rule family, Discord's shape."""

from __future__ import annotations

import json
from typing import Any

import discord
import pytest
from aiohttp import web
from discord import app_commands

from bot.sandbox.discord_sim import DiscordAPIError, DiscordSimulator, SimGuild, bodies, openapi
from bot.sandbox.discord_sim.faults import Faults
from bot.sandbox.discord_sim.model import SimUser
from bot.sandbox.discord_sim.rest import API_PREFIX, RestAPI
from bot.sandbox.discord_sim.state import SimState
from bot.sandbox.transcript import json_records

from .conftest import make_bot

OFF_API = {"/attachments/{id}/{filename}"}  # the CDN, not the API: no spec path exists for it


def _served_routes() -> list[tuple[str, str]]:
    app = web.Application()
    state = SimState(bot=SimUser(1, "b", bot=True), token="t", attachment_url="")
    RestAPI(state, Faults(), lambda: "", lambda: 1).install(app)
    served = []
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if canonical in OFF_API or route.method == "HEAD":
            continue
        assert canonical.startswith(API_PREFIX + "/"), canonical
        served.append((route.method, canonical[len(API_PREFIX) :]))
    return served


def test_every_served_route_has_a_spec_operation():
    served = _served_routes()
    assert len(served) >= 18
    for method, route in served:
        assert route in openapi.SPEC_PATHS, f"{method} {route} has no spec mapping: add it to openapi.SPEC_PATHS"
        assert openapi.operation(openapi.SPEC_PATHS[route], method) is not None, f"spec lacks {method} {route}"
        if method in ("POST", "PUT", "PATCH"):
            assert openapi.request_schema_pointer(openapi.SPEC_PATHS[route], method), f"{method} {route}: no body"


def _errors(route: str, method: str, body: Any) -> dict[str, Any]:
    with pytest.raises(DiscordAPIError) as caught:
        bodies.check(route, method, body)
    error = caught.value
    assert (error.status, error.code, error.message, error.kind) == (400, 50035, "Invalid Form Body", "spec")
    assert error.errors
    _assert_discord_shape(error.errors)
    return error.errors


def _assert_discord_shape(node: dict[str, Any]) -> None:
    """Nested by JSON path, leaves ``{"_errors": [{"code": "<STRING>", "message": "..."}]}``.

    (The spec's own ErrorResponse schema can't check this: it types every ``_errors`` code as an integer, while
    Discord's field errors carry string codes such as ``BASE_TYPE_REQUIRED``, as in the error example of
    discord-api-docs ``topics/opcodes-and-status-codes.mdx``.)
    """
    assert node
    for key, value in node.items():
        if key == "_errors":
            assert value and all(set(e) == {"code", "message"} and isinstance(e["code"], str) for e in value)
        else:
            assert key.isdigit() or key.isidentifier(), key
            _assert_discord_shape(value)


def _leaf(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


CALLBACK = "/interactions/{id}/{token}/callback"
CHANNEL = "/channels/{channel}/messages"
FOLLOWUP = "/webhooks/{app}/{token}"
COMMANDS = "/applications/{app}/commands"
BUTTON = {"type": 2, "style": 1, "label": "b", "custom_id": "x"}

CORPUS: list[tuple[str, str, str, Any, dict[str, Any]]] = [
    # family, route, method, body, Discord's errors
    (
        "length",
        CALLBACK,
        "POST",
        {"type": 4, "data": {"content": "x" * 2001}},
        {"data": {"content": _leaf("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")}},
    ),
    (
        "length",
        FOLLOWUP,
        "POST",
        {"embeds": [{"title": "t" * 300}]},
        {"embeds": {"0": {"title": _leaf("BASE_TYPE_MAX_LENGTH", "Must be 256 or fewer in length.")}}},
    ),
    (
        "length",
        CALLBACK,
        "POST",
        {"type": 9, "data": {"custom_id": "", "title": "t", "components": [{"type": 1, "components": []}]}},
        {
            "data": {
                "custom_id": _leaf("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."),
                "components": {
                    "0": {"components": _leaf("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")}
                },
            }
        },
    ),
    (
        "count",
        CALLBACK,
        "POST",
        {"type": 8, "data": {"choices": [{"name": str(i), "value": str(i)} for i in range(26)]}},
        {"data": {"choices": _leaf("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}},
    ),
    (
        "count",
        CHANNEL,
        "POST",
        {"embeds": [{"title": "t"}] * 11},
        {"embeds": _leaf("BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")},
    ),
    (
        "count",
        CHANNEL,
        "POST",
        {"components": [{"type": 1, "components": [{**BUTTON, "custom_id": f"b{i}"} for i in range(6)]}]},
        {"components": {"0": {"components": _leaf("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")}}},
    ),
    (
        "enum",
        CALLBACK,
        "POST",
        {"type": 99},
        {"type": _leaf("BASE_TYPE_CHOICES", "Value must be one of (1, 4, 5, 6, 7, 8, 9, 12, 13).")},
    ),
    (
        "enum",
        CALLBACK,
        "POST",
        {"type": 4, "data": {"components": [{"type": 1, "components": [{**BUTTON, "style": 9}]}]}},
        {
            "data": {
                "components": {
                    "0": {
                        "components": {
                            "0": {"style": _leaf("BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")}
                        }
                    }
                }
            }
        },
    ),
    (
        "required",
        CALLBACK,
        "POST",
        {"type": 9, "data": {"title": "Ask", "components": [{"type": 1, "components": [{"type": 4, "style": 1}]}]}},
        {
            "data": {
                "custom_id": _leaf("BASE_TYPE_REQUIRED", "This field is required"),
                "components": {
                    "0": {"components": {"0": {"custom_id": _leaf("BASE_TYPE_REQUIRED", "This field is required")}}}
                },
            }
        },
    ),
    (
        "required",
        COMMANDS,
        "PUT",
        [{"description": "no name", "type": 1}],
        {  # the spec's finding wins for the field; the simulator's name rule adds nothing here
            "0": {
                "name": _leaf("BASE_TYPE_REQUIRED", "This field is required"),
            }
        },
    ),
    (
        "type",
        CHANNEL,
        "POST",
        {"content": "hi", "tts": "yes"},
        {"tts": _leaf("BOOLEAN_TYPE_CONVERT", "Must be either true or false.")},
    ),
    (
        "type",
        FOLLOWUP,
        "POST",
        {"content": "hi", "embeds": {"title": "not a list"}},
        {"embeds": _leaf("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")},
    ),
    (
        "type",
        CALLBACK,
        "POST",
        {"type": 4, "data": {"content": "hi", "flags": "64"}},
        {"data": {"flags": _leaf("NUMBER_TYPE_COERCE", 'Value "64" is not int.')}},
    ),
]


@pytest.mark.parametrize(
    ("family", "route", "method", "body", "expected"), CORPUS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CORPUS)]
)
def test_broken_body_is_rejected_like_discord(family: str, route: str, method: str, body: Any, expected: dict):
    assert _errors(route, method, body) == expected


def test_rules_the_spec_cannot_express_join_the_same_reply():
    # Six action rows: the spec allows 40 top-level components (Components V2); Discord allows 5 rows on a legacy
    # message (components/reference.mdx). A broken button label makes the spec reject the body; the row count
    # comes from the simulator's own rule, in the same 50035.
    rows = [{"type": 1, "components": [{**BUTTON, "custom_id": f"r{i}", "label": "l" * 81}]} for i in range(6)]
    errors = _errors(CHANNEL, "POST", {"components": rows})
    assert errors["components"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    assert errors["components"]["0"]["components"]["0"]["label"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"


def test_request_bodies_forbid_no_unknown_field():
    """The spec never closes a request object (only its own error shape), so unknown fields pass, as on Discord."""
    closed = [name for name, schema in openapi.document()["components"]["schemas"].items()
              if schema.get("additionalProperties") is False]  # fmt: skip
    assert closed == ["InnerErrors"]
    assert bodies.check(CHANNEL, "POST", {"content": "hi", "not_a_field": 1}) == {}
    assert list(openapi.component_validator("InnerErrors").iter_errors({"_errors": [], "extra": 1}))  # closed bites


def test_snowflakes_may_be_integers_in_requests_but_not_in_responses():
    upload = {"type": 4, "data": {"content": "f", "attachments": [{"id": 0, "filename": "a.txt"}]}}
    assert bodies.check(CALLBACK, "POST", upload) == {}
    assert list(openapi.component_validator("MessageAttachmentRequest").iter_errors({"id": 0}))
    assert _errors(CALLBACK, "POST", {**upload, "data": {"attachments": [{"id": -1}]}})


def test_valid_bodies_pass_and_are_counted():
    before = openapi.counters.validated
    assert bodies.check(CALLBACK, "POST", {"type": 5}) == {}
    assert bodies.check(COMMANDS, "GET", None) is None  # no body for this operation: nothing to count
    assert openapi.counters.validated == before + 1


async def test_rejected_callback_is_a_recorded_spec_violation(sim: DiscordSimulator, guild: SimGuild, bot):
    reply = await sim.command(guild, "alice", "long", size=2001)
    (violation,) = sim.violations
    assert (violation.kind, violation.code) == ("spec", 50035)
    assert reply.errors == [violation] and reply.message is None
    callback = next(r for r in sim.requests if r.path.startswith("/interactions/"))
    assert callback.spec == violation.errors and callback.status == 400
    ok = await sim.command(guild, "alice", "echo", text="hi")
    assert ok.content == "hi" and sim.spec_checked >= 2
    assert [r.spec for r in sim.requests if r.path.startswith("/interactions/")][-1] == "valid"


def _undocumented_bot(guild_id: int):
    bot = make_bot(guild_id)

    @bot.tree.command(name="nodoc")
    async def nodoc(interaction: discord.Interaction, thing: str) -> None:
        await interaction.response.send_message(thing)

    @app_commands.describe(thing="What to echo")
    @bot.tree.command(name="documented", description="Echo a thing")
    async def documented(interaction: discord.Interaction, thing: str) -> None:
        await interaction.response.send_message(thing)

    return bot


async def test_placeholder_descriptions_are_listed_and_rejected_when_strict(guild_factory):
    async with DiscordSimulator() as sim:
        guild = guild_factory(sim)
        async with sim.running(_undocumented_bot(guild.id)):
            pass
        assert not sim.violations
        found = sim.placeholder_descriptions
        assert {"/nodoc", "/nodoc thing"} <= set(found)
        assert not [f for f in found if f.startswith("/documented")]
    async with DiscordSimulator(strict_descriptions=True) as strict:
        guild = guild_factory(strict)
        bot = _undocumented_bot(guild.id)
        with pytest.raises(discord.HTTPException) as caught:
            async with strict.running(bot):
                pass
        assert caught.value.code == 50035
        (violation,) = strict.violations
        assert violation.kind == "description"
        nodoc = next(i for i, c in enumerate(violation.body) if c["name"] == "nodoc")
        assert set(violation.errors[str(nodoc)]) == {"description", "options"}
        assert violation.errors[str(nodoc)]["options"]["0"]["description"]["_errors"][0]["code"] == (
            "PLACEHOLDER_DESCRIPTION"
        )


async def test_sandbox_json_shows_the_spec_verdict(sim: DiscordSimulator, guild: SimGuild, bot):
    rejected = await sim.command(guild, "alice", "long", size=2001)
    (record,) = [json.loads(r) for r in json_records(rejected, line="/long", user="alice", guild="Lounge")]
    assert record["kind"] == "rejected" and record["code"] == 50035
    assert record["spec"]["data"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    fine = await sim.command(guild, "alice", "echo", text="hi")
    (message,) = [json.loads(r) for r in json_records(fine, line="/echo", user="alice", guild="Lounge")]
    assert message["kind"] == "message" and message["spec"] == "valid"
