"""A socket-level local Discord for discord.py bots: a REST API and a Gateway on one loopback port.

The real, unmodified discord.py client talks to it over real HTTP and WebSocket. It plays Discord's part
faithfully enough for end-to-end tests, the interactive sandbox and benchmarks: it checks limits and deadlines the
way Discord does and can inject the faults Discord produces (429s, 5xx, gateway drops, RECONNECT, INVALID_SESSION).
It is generic: it knows nothing about any particular bot.

Quick tour::

    from bot.sandbox.discord_sim import DiscordSimulator, SimFile

    async with DiscordSimulator(deadline=3.0) as sim:
        guild = sim.add_guild("Lounge")                       # @everyone, owner, the bot, #general
        dj = sim.add_role(guild, "DJ", permissions=discord.Permissions(manage_messages=True))
        alice = sim.add_member(guild, "alice", roles=[dj])
        async with sim.running(bot):                          # login + connect + wait for on_ready
            reply = await sim.command(guild, alice, "playlist add", name="chill", track="Song")
            assert "added" in reply.content and reply.ephemeral
            nxt = await sim.click(reply, "Next")              # by label or custom_id
            picked = await sim.select(reply, "Pick a mode", ["open"])
            filled = await sim.submit_modal(reply, {"Title": "hi"})
            choices = await sim.autocomplete(guild, alice, "playlist add", focused="track", track="be")
            await sim.drop_gateway(code=None)                 # abrupt TCP drop; the bot RESUMEs
        assert not sim.violations and not sim.missed_deadlines

Building the world (call before or after the bot connects; later additions are dispatched live):
    ``add_guild(name, *, channels=("general",), everyone_permissions=..., owner=None) -> SimGuild``
    ``add_role(guild, name, *, permissions=0, mentionable=False, color=0) -> SimRole``
    ``add_member(guild, user, *, roles=(), permissions=None, nick=None) -> SimMember``
    ``add_channel(guild, name, *, kind=0, topic=None, overwrites={role|member|guild: (allow, deny)}) -> SimChannel``
    ``add_user(name, *, bot=False) -> SimUser``; ``guild(name_or_id) -> SimGuild``.
    Guilds are sent with ``member_count == len(members)``, so discord.py never needs to chunk (op 8 is answered
    anyway). Guild ids use consecutive timestamps: the n-th guild (from 0) is on shard ``n % shard_count`` (<= 10).

Running a client:
    ``sim.running(client, *, ready_timeout=30, guild_ready_timeout=0.02)``: async context manager that patches
    ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``, makes ``before_identify_hook`` return at
    once, disables start-up chunking, logs in with ``sim.token``, connects, waits for ready, and on exit closes the
    client and restores every patched attribute. Works for ``Client``, ``commands.Bot`` and ``AutoShardedClient``
    (with or without ``shard_count``; ``recommended_shards`` answers ``GET /gateway/bot``).
    ``sim.patch_discord()`` is the bare (sync) context manager for the two class attributes.

Acting as users (each returns once the bot has finished responding: the first callback, the followup or edit a
defer promised, then ``settle`` seconds of quiet; raises ``NoResponseError`` after ``response_timeout``):
    ``await command(guild, user, "group sub", *, in_channel=None, within=None, options=None, **values) -> Reply``
        built from the REGISTERED definitions (option types, nesting); user/role/channel/mentionable options take
        ``SimMember``/``SimRole``/``SimChannel`` (or names) and get ``resolved`` data; attachment options take
        ``SimFile(filename, data)`` and the bot can download it from the simulator. Unknown commands, subcommands,
        options, missing required options, values outside ``choices`` or min/max_length raise ``CommandUsageError``;
        a command whose ``default_member_permissions`` the member lacks raises ``CommandUnavailable`` (Discord
        doesn't offer it to them).
    ``await autocomplete(guild, user, path, *, focused, **values) -> list[dict]`` (the choices).
    ``await click(reply, label_or_custom_id, *, user=None) -> Reply``
    ``await select(reply, custom_id_or_placeholder, values, *, user=None) -> Reply``
    ``await submit_modal(reply, {custom_id_or_label: value}, *, user=None) -> Reply``

``Reply``: ``content``, ``embeds`` (dicts), ``components``, ``ephemeral``, ``files`` ([(name, bytes)]), ``message``
(the original response, else the last followup), ``messages``, ``followups``, ``choices``, ``modal``,
``callback_type``, ``deferred``, ``errors`` (violations while answering), ``raw`` (request bodies),
``latency_ms`` (dispatch to first callback), ``text()``, ``buttons()``, ``record`` (all book-keeping).
``SimMessage.allowed_mentions`` is the ``allowed_mentions`` the bot sent (``None`` = omitted, Discord's defaults);
``allowed_mentions_sent`` and ``mentions_allowed`` (what Discord would actually ping) interpret it.

Inspection: ``channel_messages(channel)``, ``requests`` (every HTTP request: method, path, query, headers, json,
files, status), ``violations`` (every 4xx returned for a broken rule, in Discord's error shape), ``missed_deadlines``,
``commands`` (registered definitions by scope), ``gateway_events`` (IDENTIFY, READY, RESUME, DROP, ...).

Faults: ``await drop_gateway(code=4000 | None, *, shard=None)``, ``await send_reconnect()``,
``await invalidate_session(resumable=bool)``, ``await wait_connected(within=10)``,
``inject_rest_failure(pattern, status=500, count=1)``, ``inject_rate_limit(pattern, retry_after=0.1, count=1,
is_global=False)``, ``set_rate_limit(pattern, limit, reset_after)`` (real ``X-RateLimit-*`` headers; overrunning
gets a 429). Patterns are globs on ``"METHOD /path"`` or, starting with ``/``, on the path (``/interactions/*``).
A dispatch sent while the bot is disconnected is queued and delivered after RESUME (with replay) or IDENTIFY.

Discord's OpenAPI spec (``spec/``, checked by :mod:`.openapi` and :mod:`.bodies`): every request body is validated
against the spec's schema for its route (``check_spec=True``, the default); a broken body gets Discord's 400/50035
with errors nested by JSON path and is recorded as a violation of kind ``"spec"``. ``RequestRecord.spec`` holds the
verdict, ``sim.spec_checked`` and ``openapi.counters`` count them. ``strict_descriptions=True`` also rejects a sync
whose commands or options keep discord.py's placeholder description (kind ``"description"``); either way they are
listed in ``sim.placeholder_descriptions``.

Rules enforced on top of the spec, where it is silent or looser than Discord (discord-protocol.md §5): 3 s
first-response deadline (404/10062, recorded), double initial response (400/40060), content 2000, 10 embeds and
every embed limit incl. the 6000 total, 5 action rows, 5 buttons per row,
select 25 options, button label 80, custom_id 1-100 and unique, modal title 45 and 1-5 components, autocomplete
25 choices and 100-char names/values, empty messages (50006), command definitions on sync (names, descriptions,
25 options/choices/subcommands, 8000 characters, option order, nesting). Unknown routes get 404 code 0 and a log.
"""

from .api import DiscordSimulator
from .commands import CommandUnavailable, CommandUsageError
from .gateway import GatewayEvent
from .messages import SimAttachment, SimFile, SimMessage
from .model import SimChannel, SimGuild, SimMember, SimRole, SimUser
from .records import MissedDeadline, NoResponseError, Reply, RequestRecord, Violation
from .runner import patched_endpoints, run_client
from .validation import DiscordAPIError

__all__ = [
    "CommandUnavailable",
    "CommandUsageError",
    "DiscordAPIError",
    "DiscordSimulator",
    "GatewayEvent",
    "MissedDeadline",
    "NoResponseError",
    "Reply",
    "RequestRecord",
    "SimAttachment",
    "SimChannel",
    "SimFile",
    "SimGuild",
    "SimMember",
    "SimMessage",
    "SimRole",
    "SimUser",
    "Violation",
    "patched_endpoints",
    "run_client",
]
