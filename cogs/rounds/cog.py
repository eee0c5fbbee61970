"""/round: themed rounds on a playlist (start, close, reveal, status, cancel), the Submit and Vote buttons, and the
runner that closes and reveals rounds on time (started and stopped with the cog). Glue only."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.clock import Clock
from bot.domain.permissions import Actor
from bot.domain.rounds import rules
from bot.domain.rounds.models import Phase, Round
from bot.domain.rounds.runner import RoundRunner
from bot.domain.services.guilds import GuildService
from bot.domain.services.playlists import PlaylistService
from bot.domain.services.rounds import RoundService
from bot.runtime.jobs import JobRunner
from cogs.common import LASTFM_BUDGET, actor_of, plural, safe, send, within_deadline
from cogs.confirm import Confirm
from cogs.playlists.options import Name
from cogs.rounds import embeds
from cogs.rounds.announcer import DiscordAnnouncer
from cogs.rounds.views import RoundButton, SubmitModal

Theme = app_commands.Range[str, 1, 200]
When = app_commands.Range[str, 1, 40]


LATER = "Its announcement could not be updated just now; Sharify tries again shortly."


@app_commands.guild_only()
class RoundCog(commands.GroupCog, group_name="round", group_description="Themed rounds: submit, vote, reveal"):
    def __init__(
        self,
        bot: discord.Client,
        rounds: RoundService,
        playlists: PlaylistService,
        guilds: GuildService,
        clock: Clock,
        *,
        poll_s: float = 15.0,
    ) -> None:
        self.rounds = rounds
        self.playlists = playlists  # read by the playlist-name option's autocomplete
        self.guilds = guilds
        self.button = RoundButton.bound(self)
        self.announcer = DiscordAnnouncer(bot, rounds, self.button)
        self.runner = RoundRunner(rounds, self.announcer, clock=clock, poll_s=poll_s)
        rounds.on_due(self.runner.wake)
        rounds.on_counts(self.runner.counts_changed)  # the announcement's counts, refreshed at most every 10 s
        self.jobs = JobRunner(clock)
        self.jobs.forever("rounds", self.runner.run)
        super().__init__()

    async def cog_load(self) -> None:
        self.jobs.start()

    async def cog_unload(self) -> None:
        await self.jobs.stop()
        await self.runner.close()

    async def _actor(self, interaction: discord.Interaction) -> Actor:
        return await actor_of(interaction, self.guilds)

    async def _one(self, interaction: discord.Interaction, playlist: str) -> Round:
        return (await self.rounds.running(interaction.guild_id or 0, playlist))[0]

    # -- commands -------------------------------------------------------------------------------------------------

    @app_commands.command(name="start", description="Start a themed round on a playlist: submit, then vote")
    @app_commands.describe(
        playlist="The playlist (a new name makes a new playlist)",
        theme="The theme, e.g. songs for a night drive",
        per_member="How many tracks each member may submit (default 3)",
        closes='When submissions close: "2d", "18:00", "friday 18:00" (server time zone); default: /round close',
        voting='How long voting lasts after that, e.g. "1d" (default: until /round reveal)',
        votes="How many votes each member has (default 3)",
        anonymous="Hide who submitted what until the reveal",
        reorder="Put the playlist in ranking order at the reveal (default yes)",
        channel="Where to announce it (default: here)",
    )
    async def start(  # noqa: PLR0917 - one parameter per command option, as discord.py reads them
        self,
        interaction: discord.Interaction,
        playlist: Name,
        theme: Theme,
        per_member: app_commands.Range[int, 1, 10] = 3,
        closes: When | None = None,
        voting: When | None = None,
        votes: app_commands.Range[int, 1, 10] = 3,
        anonymous: bool = False,
        reorder: bool = True,
        channel: discord.TextChannel | None = None,
    ) -> None:
        actor = await self._actor(interaction)
        here = interaction.channel_id or 0
        target = channel.id if channel is not None else here
        work = self.rounds.start(
            actor, playlist, theme, channel_id=target, per_member=per_member, votes=votes, closes=closes,
            voting=voting, anonymous=anonymous, reorder=reorder,
        )  # fmt: skip
        r = await within_deadline(interaction, work)
        embed, view = await self.announcer.announcement(r)
        message: discord.Message
        if channel is None or channel.id == here:
            await send(interaction, embed=embed, view=view) if view else await send(interaction, embed=embed)
            message = await interaction.original_response()
        else:
            try:
                message = await channel.send(embed=embed, view=view) if view else await channel.send(embed=embed)
            except discord.HTTPException:
                await self.rounds.cancel(actor, r.id)
                await send(
                    interaction,
                    f"Sharify can't post in {channel.mention}, so the round was not started.",
                    ephemeral=True,
                )
                return
            await send(interaction, f"The round is announced in {channel.mention}.", ephemeral=True)
        await self.rounds.set_message(r, message.id)
        self.rounds.wake()  # a round closing very soon is seen without waiting for the next poll

    @app_commands.command(name="close", description="Close submissions now and open the voting")
    @app_commands.describe(playlist="The playlist whose round to close")
    async def close(self, interaction: discord.Interaction, playlist: Name) -> None:
        actor = await self._actor(interaction)
        r = await within_deadline(interaction, self._one(interaction, playlist), ephemeral=True)
        closed = await self.rounds.close(actor, r.id)
        if closed is None:
            raise rules.not_open()
        later = "" if await self.runner.announce(closed, None) else f" {LATER}"
        await send(interaction, f"Submissions are closed and voting is open.{later}", ephemeral=True)

    @app_commands.command(name="reveal", description="End the voting now and reveal the ranking")
    @app_commands.describe(playlist="The playlist whose round to reveal")
    async def reveal(self, interaction: discord.Interaction, playlist: Name) -> None:
        actor = await self._actor(interaction)
        r = await within_deadline(interaction, self._one(interaction, playlist), ephemeral=True)
        if r.phase is Phase.OPEN and await self.rounds.close(actor, r.id) is None:
            raise rules.not_open()
        results = await within_deadline(interaction, self.rounds.reveal(actor, r.id), ephemeral=True)
        if results is None:
            raise rules.not_voting()
        if await self.runner.announce(results.round, results):
            await send(interaction, f"The results are posted in <#{r.channel_id}>.", ephemeral=True)
        else:
            await send(interaction, f"The round is revealed. {LATER}", ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel a round (its tracks stay in the playlist)")
    @app_commands.describe(playlist="The playlist whose round to cancel")
    async def cancel(self, interaction: discord.Interaction, playlist: Name) -> None:
        actor = await self._actor(interaction)
        r = await within_deadline(interaction, self._one(interaction, playlist), ephemeral=True)
        await self.rounds.managed(actor, r.id)  # refused before the question, not after it

        async def cancel(click: discord.Interaction) -> None:
            cancelled = await self.rounds.cancel(actor, r.id)
            await self.runner.announce(cancelled, None)
            await click.followup.send("The round is cancelled; its tracks stay in the playlist.", ephemeral=True)

        view = Confirm(actor.user_id, cancel, label="Cancel the round", namespace="round-cancel", danger=True)
        question = (
            f"Cancel the round “{safe(r.theme, 100)}”? Submitting and voting end for good and there is no reveal;"
            " its tracks stay in the playlist. This can't be undone."
        )
        await send(interaction, question, view=view, ephemeral=True)
        view.message = await interaction.original_response()

    @app_commands.command(name="status", description="How the rounds here are going (counts only, never votes)")
    @app_commands.describe(playlist="Only this playlist's round (default: every round running here)")
    async def status(self, interaction: discord.Interaction, playlist: Name | None = None) -> None:
        guild_id = interaction.guild_id or 0
        running = await within_deadline(interaction, self.rounds.running(guild_id, playlist), ephemeral=True)
        if not running:
            await send(interaction, "No rounds are running here. Start one with `/round start`.", ephemeral=True)
            return
        zone = await self.rounds.zone(guild_id)
        shown = []
        for r in running[:10]:
            name = await self.announcer.playlist_name(r)
            shown.append(embeds.status(r, name, await self.rounds.tally(r), zone))
        await send(interaction, embeds=shown, ephemeral=True)

    # -- buttons and the modal (cogs.rounds.views) ---------------------------------------------------------------

    async def pressed(self, interaction: discord.Interaction, act: str, round_id: str, sid: str, page: int) -> None:
        guild_id = interaction.guild_id or 0
        if act == "s":
            r = await self.rounds.get(guild_id, round_id)
            if r.phase is not Phase.OPEN:
                raise rules.not_open()
            await interaction.response.send_modal(SubmitModal(self, round_id))
            return
        actor = await self._actor(interaction)
        if act == "t":
            await self.rounds.toggle_vote(actor, round_id, sid)
        ballot = await self.rounds.ballot(actor, round_id)
        if ballot.round.phase is not Phase.VOTING:
            raise rules.not_voting()
        page = min(max(page, 1), embeds.pages(len(ballot.submissions)))
        zone = await self.rounds.zone(guild_id)
        embed = embeds.ballot(ballot, page, actor.user_id, zone)
        view = self.button.ballot(ballot, page, actor.user_id)
        if act == "v":
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)
        else:
            await interaction.response.edit_message(embed=embed, view=view)

    async def submitted(self, interaction: discord.Interaction, round_id: str, typed: str) -> None:
        actor = await self._actor(interaction)
        work = self.rounds.submit_typed(actor, round_id, typed)
        r, sub, _ = await within_deadline(interaction, work, ephemeral=True, budget=LASTFM_BUDGET)
        t = sub.track
        await send(
            interaction,
            f"Submitted **{safe(t.artist)}** — {safe(t.title)} to the round “{safe(r.theme, 100)}”"
            f" (up to {plural(r.per_member, 'track')} each).",
            ephemeral=True,
        )
