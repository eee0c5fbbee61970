"""Every interaction, of every type, passes the admission before discord.py sees it.

discord.py turns an INTERACTION_CREATE payload into work at once: slash commands and autocomplete go to the command
tree, buttons and selects to their views, modal submits to their modals, each in a task of its own. `Intake` sits
in front of that parser: it reads only the payload's id (its snowflake is the creation time Discord's 3 s deadline
counts from) and type, and hands a plain entry to the admission (bot/runtime/admission.py). An interaction shed for
overload costs that and nothing more: no Interaction object, no task, no reply (Discord shows "did not respond" for
it), one count in `sharify_interactions_shed_total`. One shed at shutdown gets a short "restarting" note instead,
unless it is an autocomplete.

When the admission starts an entry, the payload goes to discord.py's own parser inside a context of its own: the
interaction's ids are bound for logging, the first response frees the admission slot (discord.py sends every
initial response through the webhook adapter of the current context, here one that reports it), and the entry is
done once every task the parser started has ended (they are collected while the parser runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord.utils import snowflake_time
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.runtime.admission import Admission, Ticket
from bot.runtime.logs import bind_interaction

if TYPE_CHECKING:
    from discord.http import MultipartParameters
    from discord.state import ConnectionState

log = logging.getLogger(__name__)

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
RESTARTING = "Sharify is restarting. Please try again in a few seconds."

_ticket: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar("sharify_admission_ticket", default=None)


class _FirstResponseAdapter(AsyncWebhookAdapter):
    """discord.py's webhook adapter, telling the current interaction's ticket when its first response is out."""

    async def create_interaction_response(
        self,
        interaction_id: int,
        token: str,
        *,
        session: aiohttp.ClientSession,
        proxy: str | None = None,
        proxy_auth: aiohttp.BasicAuth | None = None,
        params: MultipartParameters,
    ) -> Any:
        response = await super().create_interaction_response(
            interaction_id, token, session=session, proxy=proxy, proxy_auth=proxy_auth, params=params
        )
        ticket = _ticket.get()
        if ticket is not None:
            ticket.responded()
        return response


_ADAPTER = _FirstResponseAdapter()


def command_path(data: Any) -> str:
    """ "group sub" from an application command's data (its name and nested subcommand options)."""
    if not isinstance(data, dict):
        return "?"
    parts = [str(data.get("name", "?"))]
    options = data.get("options") or []
    while options and options[0].get("type") in (1, 2):  # SUB_COMMAND, SUB_COMMAND_GROUP
        parts.append(str(options[0].get("name")))
        options = options[0].get("options") or []
    return " ".join(parts)


def what(payload: dict[str, Any]) -> str:
    """The command path of a command or autocomplete; for a component or modal, the namespace of its custom id."""
    data = payload.get("data") or {}
    if payload.get("type") in (APPLICATION_COMMAND, AUTOCOMPLETE):
        return command_path(data)
    return f"component {str(data.get('custom_id', '?')).split(':', 1)[0][:40]}"


def shard_of(guild_id: int | None, shard_count: int | None) -> int:
    """Discord's rule: (guild_id >> 22) % shard_count; direct messages are on shard 0."""
    return (guild_id >> 22) % (shard_count or 1) if guild_id else 0


def _bind(payload: dict[str, Any], shard_count: int | None) -> None:
    guild_id = int(payload["guild_id"]) if payload.get("guild_id") else None
    user = (payload.get("member") or {}).get("user") or payload.get("user") or {}
    bind_interaction(
        interaction_id=int(payload["id"]),
        command=what(payload),
        guild_id=guild_id,
        user_id=int(user["id"]) if user.get("id") else None,
        shard_id=shard_of(guild_id, shard_count),
    )


class _Entry:
    """One interaction waiting for, or holding, an admission slot."""

    __slots__ = ("_intake", "_payload")

    def __init__(self, intake: Intake, payload: dict[str, Any]) -> None:
        self._intake = intake
        self._payload = payload

    def start(self, ticket: Ticket) -> None:
        contextvars.copy_context().run(self._intake._dispatch, self._payload, ticket)

    def shed(self, reason: str) -> None:
        if reason == "shutdown":
            contextvars.copy_context().run(self._intake._refuse, self._payload)


class Intake:
    """Installed in place of discord.py's INTERACTION_CREATE parser (`install`)."""

    def __init__(
        self, state: ConnectionState[Any], admission: Callable[[], Admission | None], shard_count: int | None
    ) -> None:
        self._state = state
        self._admission = admission  # read at each interaction: the bot's current one
        self._shard_count = shard_count
        self._parse: Callable[[dict[str, Any]], None] = state.parsers["INTERACTION_CREATE"]
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def install(
        cls, state: ConnectionState[Any], admission: Callable[[], Admission | None], shard_count: int | None
    ) -> Intake:
        intake = cls(state, admission, shard_count)
        state.parsers["INTERACTION_CREATE"] = intake.receive
        return intake

    def receive(self, payload: dict[str, Any]) -> None:
        if payload.get("type") not in (APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT):
            self._parse(payload)
            return
        entry = _Entry(self, payload)
        admission = self._admission()
        if admission is None:
            entry.start(Ticket.unlimited())
            return
        admission.submit(snowflake_time(int(payload["id"])), entry)

    def _dispatch(self, payload: dict[str, Any], ticket: Ticket) -> None:
        """discord.py's parser, in this interaction's own context; the ticket is done when its tasks are."""
        _bind(payload, self._shard_count)
        _ticket.set(ticket)
        async_context.set(_ADAPTER)
        loop = asyncio.get_running_loop()
        started: list[asyncio.Future[Any]] = []
        previous = loop.get_task_factory()

        def collect(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, Any], **kwargs: Any) -> Any:
            task = previous(loop, coro, **kwargs) if previous else asyncio.Task(coro, loop=loop, **kwargs)
            started.append(task)
            return task

        loop.set_task_factory(collect)
        try:
            self._parse(payload)
        except Exception:  # the admission may start this from another interaction's release: never raise into it
            log.exception("could not dispatch an interaction")
        finally:
            loop.set_task_factory(previous)
        if not started:
            ticket.done()
            return
        left = [len(started)]

        def ended(_: asyncio.Future[Any]) -> None:
            left[0] -= 1
            if left[0] == 0:
                ticket.done()

        for task in started:
            task.add_done_callback(ended)

    def _refuse(self, payload: dict[str, Any]) -> None:
        """Shed at shutdown: a member who pressed or typed something hears that Sharify is restarting."""
        _bind(payload, self._shard_count)
        log.info("interaction dropped: shutting down")
        if payload.get("type") == AUTOCOMPLETE:
            return
        interaction: discord.Interaction[Any] = discord.Interaction(data=payload, state=self._state)  # type: ignore[arg-type]
        task = asyncio.get_running_loop().create_task(self._note(interaction))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _note(interaction: discord.Interaction[Any]) -> None:
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message(RESTARTING, ephemeral=True)
