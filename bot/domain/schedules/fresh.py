"""Fresh mixes for scheduled posts: a mood mix or a server blend made by the mix service when the occurrence is
posted, and, when the schedule says so, saved as a playlist ("Friday mix 2026-W48") keeping the last `keep`.

Saving is idempotent per occurrence: the name is chosen once per occurrence and recorded on the schedule (guarded
by the lease) before the playlist is made, so a retry or a second claimant after a lease expiry finds the playlist
an earlier attempt made under that name instead of making a second one. Older saved mixes go to the trash through
the playlist service (restorable, with their audit events).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from bot.domain import text
from bot.domain.errors import Conflict, NotFound, SharifyError, UpstreamUnavailable
from bot.domain.mixes.model import BlendInputs, Mix, MixInputs, MoodInputs, Size
from bot.domain.models import Playlist
from bot.domain.permissions import Actor
from bot.domain.ports.schedules import ScheduleRepository
from bot.domain.schedules.models import Fresh, Schedule, seed_of
from bot.domain.schedules.recurrence import Every, zone
from bot.domain.schedules.runner import Post, PostError
from bot.domain.services.mixes import MixService, parse_tags
from bot.domain.services.playlists import PlaylistService

log = logging.getLogger(__name__)

MIX_TRACKS = 15  # a scheduled mix: every track with its reason fits one embed
PREFIX_MAX = 60  # leaves room for the period in a playlist name
LASTFM_DOWN = "Last.fm is not answering, so no mix could be made"


def period_name(prefix: str, schedule: Schedule, occurrence: datetime) -> str:
    """ "<prefix> 2026-W48" for a weekly schedule, "<prefix> 2026-12" monthly, "<prefix> 2026-12-04" otherwise
    (with the time too for a cron schedule that can run more than once a day); dates in the schedule's zone."""
    local = occurrence.astimezone(zone(schedule.timezone))
    if schedule.every is Every.WEEK:
        year, week, _ = local.isocalendar()
        return f"{prefix} {year}-W{week:02d}"
    if schedule.every is Every.MONTH:
        return f"{prefix} {local:%Y-%m}"
    if schedule.every is Every.CRON and schedule.recurrence.shortest_gap(occurrence, samples=30).days < 1:
        return f"{prefix} {local:%Y-%m-%d %H:%M}"
    return f"{prefix} {local:%Y-%m-%d}"


def saver(schedule: Schedule) -> Actor:
    """Who saves and trims a schedule's mixes: the manager who made the schedule (the playlists' owner)."""
    return Actor(guild_id=schedule.guild_id, user_id=schedule.created_by, manage_guild=True)


class FreshMixes:
    def __init__(
        self, mixes: MixService, playlists: PlaylistService, store: ScheduleRepository, *, timeout_s: float = 50.0
    ) -> None:
        self._mixes = mixes
        self._playlists = playlists
        self._store = store
        self.timeout_s = timeout_s  # well inside the runner's lease

    async def make(self, post: Post, *, owner: str) -> Fresh:
        """The occurrence's mix (saved if the schedule saves). PostError: transient when Last.fm is down or slow."""
        s = post.schedule
        try:
            async with asyncio.timeout(self.timeout_s):
                mix = await self._mixes.make(await self._inputs(s), seed=seed_of(post.occurrence_id))
        except (UpstreamUnavailable, TimeoutError):
            raise PostError(LASTFM_DOWN, transient=True) from None
        except SharifyError as e:
            raise PostError(text.plain(e.user_message), transient=False) from None
        if not mix.picks:
            raise PostError("the mix came out empty", transient=False)
        if not s.save_as:
            return Fresh(mix)
        name = await self._name(s, post, owner)
        try:
            playlist = await self._save(s, name, mix)
        except SharifyError as e:
            log.info("schedule %s: the mix was not saved (%s)", s.id, text.plain(e.user_message))
            return Fresh(mix, note=text.plain(e.user_message))
        saved = await self._store.record_saved(s.id, playlist_id=playlist.id)
        return Fresh(mix, saved_name=playlist.name, saved=tuple(saved))

    async def trim(self, schedule: Schedule, saved: Sequence[str]) -> int:
        """Move the schedule's saved mixes beyond the last `keep` to the trash; how many went."""
        old = list(saved[: max(0, len(saved) - schedule.keep)])
        if not old:
            return 0
        live = {p.id: p for p in await self._playlists.playlists(schedule.guild_id)}
        moved = 0
        for playlist_id in old:
            playlist = live.get(playlist_id)
            if playlist is None:  # already deleted or trashed by a member: nothing to do
                continue
            try:
                await self._playlists.delete(saver(schedule), playlist.name)
                moved += 1
            except SharifyError as e:
                log.info("schedule %s: an old mix stays (%s)", schedule.id, text.plain(e.user_message))
        await self._store.forget_saved(schedule.id, playlist_ids=old)
        return moved

    async def _inputs(self, s: Schedule) -> MixInputs:
        if s.what == "mood":
            return MoodInputs(tags=parse_tags(s.target), size=Size(tracks=MIX_TRACKS))
        crowd = [s.created_by, *await self._mixes.contributors(s.guild_id)]
        return BlendInputs(guild_id=s.guild_id, user_ids=tuple(dict.fromkeys(crowd)), size=Size(tracks=MIX_TRACKS))

    async def _name(self, s: Schedule, post: Post, owner: str) -> str:
        """The playlist name for this occurrence: the one an earlier attempt chose, else a free one, recorded."""
        if s.save_at == post.occurrence and s.save_name:
            return s.save_name
        assert s.save_as is not None
        base = period_name(s.save_as, s, post.occurrence)
        local = post.occurrence.astimezone(zone(s.timezone))
        candidates = (base, f"{base} {local:%H:%M}", f"{base} #{post.nonce[:6]}")
        choice = candidates[-1]
        for candidate in candidates:  # a run-now in the same week, or a member's playlist, may hold the name
            if not await self._exists(s.guild_id, candidate):
                choice = candidate
                break
        name = await self._store.reserve_save(s.id, owner=owner, occurrence=post.occurrence, name=choice)
        if name is None:
            raise PostError("another attempt took over this post", transient=True)
        return name

    async def _exists(self, guild_id: int, name: str) -> bool:
        try:
            await self._playlists.get(guild_id, name)
        except NotFound:
            return False
        return True

    async def _save(self, s: Schedule, name: str, mix: Mix) -> Playlist:
        actor = saver(s)
        try:
            return await self._mixes.save(actor, name, mix)
        except Conflict:  # an earlier attempt at this occurrence made it (the name was chosen for it alone)
            pass
        playlist = await self._playlists.get(s.guild_id, name)
        if playlist.owner_id != actor.user_id:
            raise Conflict(f"A playlist named {text.quoted(name)} already exists.")
        if playlist.track_count == 0:  # made, but the tracks were not added before that attempt stopped
            await self._playlists.add(
                actor, playlist.name, [p.track for p in mix.picks], reasons=[p.reason_text() for p in mix.picks]
            )
            playlist = await self._playlists.get(s.guild_id, name)
        return playlist
