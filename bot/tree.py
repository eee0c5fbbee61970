"""The command tree with the one global error handler: domain errors become short ephemeral replies, anything
unexpected is logged with the command, guild and user ids and the user gets a plain apology.

Every reply is rendered once here: values a message quotes (`bot.domain.text.quoted`) are made inert and clipped,
the whole text fits Discord's 2,000 characters, and if Discord still rejects the reply's form, the member gets a
short fixed text instead of silence.

Every interaction reaches the tree through the admission (bot/intake.py), which binds its ids for logging and drops
one that can no longer meet Discord's 3 s deadline before any work. Every command is counted and timed by command
and outcome, its error reply included."""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar

import discord
from discord import app_commands

from bot.domain.errors import SharifyError
from bot.intake import command_path
from cogs.render import inert, render_user_message

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on Sharify's side. It has been logged; please try again in a moment."
FALLBACK = "That didn't work, and the details couldn't be shown. Please check what you typed and try again."
# The outcome of the command this task runs, for its metrics (discord.py calls on_error from inside _call).
_outcome: ContextVar[dict[str, str] | None] = ContextVar("sharify_command_outcome", default=None)

INVALID_FORM_BODY = 50035


def user_message(error: BaseException) -> str | None:
    """The friendly text for an error a user may cause, or None when it is a bug."""
    original = getattr(error, "original", error)
    if isinstance(original, SharifyError):
        return original.user_message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server."
    if isinstance(error, app_commands.TransformerError):
        return f'I couldn\'t understand "{inert(str(error.value), limit=100)}" there.'
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(error, app_commands.CommandNotFound):
        return "That command no longer exists; Discord will update the list shortly."
    return None


async def reply_error(interaction: discord.Interaction, error: BaseException, *, where: str) -> None:
    message = user_message(error)
    if message is None:
        log.error(
            "unexpected error in %s",
            where,
            exc_info=getattr(error, "original", error),
            extra={"command": where, "guild_id": interaction.guild_id, "user_id": interaction.user.id},
        )
        message = UNEXPECTED
    await deliver(interaction, render_user_message(message), where=where)


async def deliver(interaction: discord.Interaction, message: str, *, where: str) -> None:
    """Send `message` to this member only, after a defer or not; if Discord rejects its form (400 / 50035), send
    FALLBACK once instead, so the member always hears back."""
    try:
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # A public "thinking…" placeholder: the first followup would replace it publicly, so remove it
            # and send the error to this member only.
            await interaction.delete_original_response()
    except discord.HTTPException:
        log.warning("could not remove the placeholder", extra={"command": where, "guild_id": interaction.guild_id})
        return  # a followup now would replace the public placeholder with the error
    for attempt in (message, FALLBACK):
        try:
            if interaction.response.is_done():
                await interaction.followup.send(attempt, ephemeral=True)
            else:
                await interaction.response.send_message(attempt, ephemeral=True)
            return
        except discord.HTTPException as exc:
            rejected = exc.status == 400 and exc.code == INVALID_FORM_BODY
            log.warning(
                "could not deliver an error reply%s",
                " (form rejected)" if rejected else "",
                extra={"command": where, "guild_id": interaction.guild_id, "status": exc.status, "code": exc.code},
            )
            if not rejected or attempt is FALLBACK:
                return


class SharifyTree(app_commands.CommandTree):
    def _from_interaction(self, interaction: discord.Interaction) -> None:
        # discord.py's own version runs `_call` then `_dispatch_error` in a new task; this one runs the same two in
        # one task that times them, so the metrics cover the error reply too. The admission came first (bot/intake.py).
        self.client.loop.create_task(self._handle(interaction), name="CommandTree-invoker")

    async def _handle(self, interaction: discord.Interaction) -> None:
        started = time.perf_counter()
        outcome = {"outcome": "ok"}  # on_error, called from inside _call in this same task, sets the real one
        _outcome.set(outcome)
        try:
            await self._run(interaction, outcome)
        finally:
            if interaction.type is not discord.InteractionType.autocomplete:
                path = command_path(interaction.data)
                self._observe(interaction, path, outcome["outcome"], time.perf_counter() - started)

    async def _run(self, interaction: discord.Interaction, outcome: dict[str, str]) -> None:
        try:
            await self._call(interaction)
        except app_commands.AppCommandError as error:
            await self._dispatch_error(interaction, error)
        except BaseException:
            outcome["outcome"] = "error"
            raise

    def _observe(self, interaction: discord.Interaction, path: str, outcome: str, seconds: float) -> None:
        metrics = getattr(getattr(self.client, "services", None), "metrics", None)
        if metrics is None:
            return
        command = interaction.command.qualified_name if interaction.command else path
        metrics.commands.labels(command=command, outcome=outcome).inc()
        metrics.command_seconds.labels(command=command, outcome=outcome).observe(seconds)

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        outcome = _outcome.get()
        if outcome is not None:
            outcome["outcome"] = "user_error" if user_message(error) else "error"
        await reply_error(interaction, error, where=command)
