"""The command tree with the one global error handler: domain errors become short ephemeral replies, anything
unexpected is logged with the command, guild and user ids and the user gets a plain apology."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.domain.errors import SharifyError

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong on Sharify's side. It has been logged; please try again in a moment."


def user_message(error: BaseException) -> str | None:
    """The friendly text for an error a user may cause, or None when it is a bug."""
    original = getattr(error, "original", error)
    if isinstance(original, SharifyError):
        return original.user_message
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command works only in a server."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand {str(error.value)[:100]!r} there."
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
    try:
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # A public "thinking…" placeholder: the first followup would replace it publicly, so remove it
            # and send the error to this member only.
            await interaction.delete_original_response()
            await interaction.followup.send(message, ephemeral=True)
        elif interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply", extra={"command": where, "guild_id": interaction.guild_id})


class SharifyTree(app_commands.CommandTree):
    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        client = interaction.client
        metrics = getattr(getattr(client, "services", None), "metrics", None)
        if metrics is not None:
            outcome = "user_error" if user_message(error) else "error"
            metrics.commands.labels(command=command, outcome=outcome).inc()
        await reply_error(interaction, error, where=command)
