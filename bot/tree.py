"""The command tree with the one global error handler: domain errors become short ephemeral replies, anything
unexpected is logged with the command, guild and user ids and the user gets a plain apology.

Every reply is rendered once here: values a message quotes (`bot.domain.text.quoted`) are made inert and clipped,
the whole text fits Discord's 2,000 characters, and if Discord still rejects the reply's form, the member gets a
short fixed text instead of silence."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.domain.errors import SharifyError
from cogs.render import inert, render_user_message

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on Sharify's side. It has been logged; please try again in a moment."
FALLBACK = "That didn't work, and the details couldn't be shown. Please check what you typed and try again."
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
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        client = interaction.client
        metrics = getattr(getattr(client, "services", None), "metrics", None)
        if metrics is not None:
            outcome = "user_error" if user_message(error) else "error"
            metrics.commands.labels(command=command, outcome=outcome).inc()
        await reply_error(interaction, error, where=command)
