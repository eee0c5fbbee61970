"""/schedule: scheduled playlist posts (managers only), and the runner that makes them, started with the cog."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.domain.clock import Clock
from bot.domain.permissions import Actor
from bot.domain.schedules.models import MAX_KEEP
from bot.domain.schedules.pacing import PostPacer
from bot.domain.schedules.recurrence import WEEKDAYS, suggest_zones
from bot.domain.schedules.runner import RunnerSettings, ScheduleRunner
from bot.domain.schedules.service import ChannelAccess, ScheduleService
from bot.domain.services.guilds import GuildService
from bot.domain.services.playlists import PlaylistService
from bot.runtime.jobs import JobRunner
from cogs.common import actor_of, choices_within, clip, safe, send, within_deadline
from cogs.playlists.views import PageButton
from cogs.schedules import embeds
from cogs.schedules.poster import DiscordPoster

EVERY = [Choice(name=n, value=n) for n in ("day", "week", "month")]
DAYS = [Choice(name=d.title(), value=d) for d in WEEKDAYS]


def channel_access(interaction: discord.Interaction, channel: discord.TextChannel) -> ChannelAccess:
    """What Sharify itself may do in the chosen channel: the channel's permissions for the bot's own member."""
    guild = interaction.guild
    if guild is None or channel.guild.id != guild.id:
        return ChannelAccess(channel.id, in_guild=False, is_text=False, can_view=False, can_send=False, can_embed=False)
    perms = channel.permissions_for(guild.me)
    return ChannelAccess(
        channel.id,
        in_guild=True,
        is_text=isinstance(channel, discord.TextChannel),
        can_view=perms.view_channel,
        can_send=perms.send_messages,
        can_embed=perms.embed_links,
    )


@app_commands.guild_only()
class ScheduleCog(commands.GroupCog, group_name="schedule", group_description="Post playlists on a schedule"):
    def __init__(
        self,
        schedules: ScheduleService,
        playlists: PlaylistService,
        guilds: GuildService,
        runner: ScheduleRunner,
        clock: Clock,
    ) -> None:
        self.schedules = schedules
        self.playlists = playlists
        self.guilds = guilds
        self.runner = runner
        self.jobs = JobRunner(clock)
        self.jobs.forever("schedules", runner.run)
        super().__init__()

    async def cog_load(self) -> None:
        self.jobs.start()

    async def cog_unload(self) -> None:
        await self.runner.stop()  # no new claims; unstarted claims are released
        await self.jobs.stop()

    async def _actor(self, interaction: discord.Interaction) -> Actor:
        return await actor_of(interaction, self.guilds)

    async def schedule_ids(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        async def found() -> list[Choice[str]]:
            pairs = await self.schedules.suggest(interaction.guild_id or 0, current)
            return [Choice(name=clip(label, 100), value=ident) for label, ident in pairs]

        return await choices_within(found())

    async def playlist_names(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        async def names() -> list[Choice[str]]:
            found = await self.playlists.suggest_names(interaction.guild_id or 0, current)
            return [Choice(name=clip(n, 100), value=clip(n, 100)) for n in found]

        return await choices_within(names())

    async def zones(self, interaction: discord.Interaction, current: str) -> list[Choice[str]]:
        return [Choice(name=z, value=z) for z in suggest_zones(current)]

    @app_commands.command(name="add", description="Post a playlist, or a fresh mix, in a channel on a schedule")
    @app_commands.describe(
        what="The playlist to post, or a fresh mix each time: mood: rainy, lo-fi | blend",
        channel="Where to post it",
        every="How often: every day, week or month",
        at="The time of day, HH:MM (24-hour)",
        weekday="For weekly posts: the day of the week",
        day="For monthly posts: the day of the month (1-28)",
        timezone="The time zone of the time (default: the server's, see /sharify-admin timezone)",
        cron="Instead of every/at: a cron expression, e.g. 0 18 * * 5",
        save_as='For a fresh mix: save each one as a playlist named this plus the week or date, e.g. "Friday mix"',
        keep=f"With save_as: how many saved mixes to keep (1-{MAX_KEEP}, default 4); older ones go to the trash",
    )
    @app_commands.choices(every=EVERY, weekday=DAYS)
    @app_commands.autocomplete(what=playlist_names, timezone=zones)
    async def add(  # noqa: PLR0917 - one parameter per command option, as discord.py reads them
        self,
        interaction: discord.Interaction,
        what: str,
        channel: discord.TextChannel,
        every: Choice[str] | None = None,
        at: str | None = None,
        weekday: Choice[str] | None = None,
        day: app_commands.Range[int, 1, 28] | None = None,
        timezone: str | None = None,
        cron: str | None = None,
        save_as: app_commands.Range[str, 1, 60] | None = None,
        keep: app_commands.Range[int, 1, MAX_KEEP] | None = None,
    ) -> None:
        actor = await self._actor(interaction)
        access = channel_access(interaction, channel)
        made = await within_deadline(
            interaction,
            self.schedules.add(
                actor,
                what=what,
                channel=access,
                every=every.value if every else None,
                at=at,
                weekday=weekday.value if weekday else None,
                day=day,
                timezone=timezone,
                cron=cron,
                save_as=save_as,
                keep=keep,
            ),
            ephemeral=True,
        )
        await send(
            interaction,
            f"Scheduled **{safe(made.label, 80)}** in <#{made.channel_id}>, {made.recurrence.describe()}; "
            f"first post {embeds.stamp(made.next_run_at)} (id `{embeds.short(made)}`).{embeds.saving(made)}",
            ephemeral=True,
        )

    @app_commands.command(name="list", description="This server's scheduled posts, their next run and last outcome")
    async def list_(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id or 0
        found = await self.schedules.list(guild_id)
        zone = await self.schedules.timezone_of(guild_id)
        await send(interaction, embed=embeds.schedule_list(found, zone), ephemeral=True)

    @app_commands.command(name="remove", description="Stop and delete a scheduled post")
    @app_commands.describe(schedule="The schedule (its id from /schedule list)")
    @app_commands.autocomplete(schedule=schedule_ids)
    async def remove(self, interaction: discord.Interaction, schedule: str) -> None:
        gone = await self.schedules.remove(await self._actor(interaction), schedule)
        await send(interaction, f"Removed the schedule of **{safe(gone.label, 80)}**.", ephemeral=True)

    @app_commands.command(name="pause", description="Pause a scheduled post")
    @app_commands.describe(schedule="The schedule (its id from /schedule list)")
    @app_commands.autocomplete(schedule=schedule_ids)
    async def pause(self, interaction: discord.Interaction, schedule: str) -> None:
        paused = await self.schedules.pause(await self._actor(interaction), schedule)
        await send(
            interaction, f"Paused **{safe(paused.label, 80)}**. `/schedule resume` starts it again.", ephemeral=True
        )

    @app_commands.command(name="resume", description="Resume a paused scheduled post")
    @app_commands.describe(schedule="The schedule (its id from /schedule list)")
    @app_commands.autocomplete(schedule=schedule_ids)
    async def resume(self, interaction: discord.Interaction, schedule: str) -> None:
        s = await self.schedules.resume(await self._actor(interaction), schedule)
        await send(
            interaction, f"Resumed **{safe(s.label, 80)}**; next post {embeds.stamp(s.next_run_at)}.", ephemeral=True
        )

    @app_commands.command(name="run-now", description="Post a scheduled playlist now, once")
    @app_commands.describe(schedule="The schedule (its id from /schedule list)")
    @app_commands.autocomplete(schedule=schedule_ids)
    async def run_now(self, interaction: discord.Interaction, schedule: str) -> None:
        s = await self.schedules.run_now(await self._actor(interaction), schedule)
        await send(interaction, f"Posting **{safe(s.label, 80)}** in <#{s.channel_id}> now.", ephemeral=True)

    @app_commands.command(name="preview", description="The next 5 times a schedule will post")
    @app_commands.describe(schedule="The schedule (its id from /schedule list)")
    @app_commands.autocomplete(schedule=schedule_ids)
    async def preview(self, interaction: discord.Interaction, schedule: str) -> None:
        found, times = await self.schedules.preview(interaction.guild_id or 0, schedule)
        await send(interaction, embed=embeds.preview(found, times), ephemeral=True)


def make_runner(
    bot: discord.Client, schedules: ScheduleService, playlists: PlaylistService, settings: RunnerSettings, clock: Clock
) -> ScheduleRunner:
    pacer = PostPacer(clock, rate=settings.post_rate)
    return schedules.runner(DiscordPoster(bot, playlists, PageButton.bound(playlists), pacer), settings)
