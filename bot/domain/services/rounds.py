"""The round service: themed rounds on a playlist. Start (owner or managers), submit (members who may add tracks),
close, vote, reveal. Discord-free: the cog passes an `Actor` and plain values; the store enforces every rule that
can race (see `bot.domain.ports.rounds`); the clock decides when a round closes and when voting ends."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import text
from bot.domain.clock import Clock
from bot.domain.errors import Forbidden, InvalidInput, NotFound
from bot.domain.models import Entry, EventAction, NewEvent, Playlist, Track
from bot.domain.permissions import Actor, require_edit, require_manage
from bot.domain.ports.storage import GuildRepository, Storage
from bot.domain.rounds import ballots, rules, visibility
from bot.domain.rounds.ballots import Ballot, BallotRows
from bot.domain.rounds.models import (
    NewRound,
    NewSubmission,
    Phase,
    Results,
    Round,
    Submission,
    Tally,
)
from bot.domain.rounds.ranking import closing_times, rank
from bot.domain.rounds.when import parse_duration, parse_when
from bot.domain.services.music import MusicService, Resolved
from bot.domain.services.playlists import PlaylistService

__all__ = ["Ballot", "RoundLimits", "RoundService", "closing_times", "rank"]

THEME_MAX = 200


@dataclass(frozen=True)
class RoundLimits:
    max_per_member: int = 10
    max_votes: int = 10
    longest_open: timedelta = timedelta(days=60)
    longest_voting: timedelta = timedelta(days=30)
    due_batch: int = 20
    repair_after: timedelta = timedelta(minutes=5)  # a submit still unfinished this long after it began was cut off
    ballot_ttl_s: float = 30.0  # how long a voting round's ballot rows are reused (a forget-me elsewhere shows then)


class RoundService:
    def __init__(
        self,
        storage: Storage,
        playlists: PlaylistService,
        music: MusicService,
        guilds: GuildRepository,
        *,
        clock: Clock,
        limits: RoundLimits | None = None,
    ) -> None:
        self._store = storage.rounds
        self._pl = storage.playlists
        self._entries = storage.entries
        self._playlists = playlists
        self._music = music
        self._guilds = guilds
        self._clock = clock
        self.limits = limits or RoundLimits()
        self._wakers: builtins.list[Callable[[], None]] = []
        self._watchers: builtins.list[Callable[[Round], None]] = []
        self._ballots = BallotRows(clock, ttl=self.limits.ballot_ttl_s)

    # -- timing -----------------------------------------------------------------------------------------------

    def on_due(self, wake: Callable[[], None]) -> None:
        self._wakers.append(wake)

    def on_counts(self, changed: Callable[[Round], None]) -> None:
        """`changed(round)` after a submission was made or withdrawn (the announcement shows the counts)."""
        self._watchers.append(changed)

    def wake(self) -> None:
        """Look for due rounds now (after the clock moved), not at the runner's next poll."""
        for wake in self._wakers:
            wake()

    async def zone(self, guild_id: int) -> ZoneInfo:
        """The server's time zone (UTC when none is set)."""
        name = (await self._guilds.settings(guild_id)).timezone or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    # -- reading ----------------------------------------------------------------------------------------------

    async def get(self, guild_id: int, round_id: str) -> Round:
        found = await self._store.get(guild_id, round_id)
        if found is None:
            raise rules.round_missing()
        return found

    async def running(self, guild_id: int, playlist: str | None = None) -> builtins.list[Round]:
        """The open and voting rounds here, or the one on `playlist`."""
        if playlist is None:
            return await self._store.list_active(guild_id)
        found = await self._store.active_for(guild_id, (await self._playlists.get(guild_id, playlist)).id)
        if found is None:
            raise NotFound(f"{text.quoted(playlist.strip())} has no round running.")
        return [found]

    async def playlist_of(self, r: Round) -> Playlist:
        playlist = await self._pl.get(r.guild_id, r.playlist_id)
        if playlist is None or playlist.deleted_at is not None:
            raise NotFound("The playlist of this round was deleted.")
        return playlist

    async def tally(self, r: Round) -> Tally:
        subs = await self._store.submissions(r.guild_id, r.id)
        return Tally(
            submissions=len(subs),
            submitters=len({s.member_id for s in subs}),
            voters=await self._store.voters(r.guild_id, r.id),
            votes=sum(s.votes for s in subs),
        )

    async def results(self, r: Round) -> Results:
        subs = await self._store.submissions(r.guild_id, r.id)
        return Results(round=r, ranking=rank(subs), tally=await self.tally(r))

    async def ballot(self, actor: Actor, round_id: str) -> Ballot:
        """A click's worth of work while voting: the round and the member's votes from the store, the rows from
        memory (loaded once per round and phase). In any other phase the rows are read afresh."""
        r = await self.get(actor.guild_id, round_id)
        load = partial(self._store.submissions, r.guild_id, r.id)
        subs = await self._ballots.rows(r, load) if r.phase is Phase.VOTING else await ballots.build(load)
        mine = await self._store.votes_of(r.guild_id, r.id, actor.user_id)
        return Ballot(r, subs, frozenset(mine))

    # -- starting and submitting ------------------------------------------------------------------------------

    async def start(
        self,
        actor: Actor,
        playlist: str,
        theme: str,
        *,
        channel_id: int,
        per_member: int = 3,
        votes: int = 3,
        closes: str | None = None,
        voting: str | None = None,
        anonymous: bool = False,
        reorder: bool = True,
    ) -> Round:
        theme = text.clean_line(theme, what="theme", max_len=THEME_MAX)
        if not 1 <= per_member <= self.limits.max_per_member:
            raise InvalidInput(f"Each member may submit 1 to {self.limits.max_per_member} tracks.")
        if not 1 <= votes <= self.limits.max_votes:
            raise InvalidInput(f"Each member may have 1 to {self.limits.max_votes} votes.")
        now = self._clock.now()
        closes_at = parse_when(closes, now=now, zone=await self.zone(actor.guild_id)) if closes else None
        if closes_at is not None and closes_at - now > self.limits.longest_open:
            raise InvalidInput(f"A round can stay open for at most {self.limits.longest_open.days} days.")
        voting_for = parse_duration(voting) if voting else None
        if voting_for is not None and voting_for > self.limits.longest_voting:
            raise InvalidInput(f"Voting can last at most {self.limits.longest_voting.days} days.")
        try:
            target = await self._playlists.get(actor.guild_id, playlist)
        except NotFound:
            target = await self._playlists.create(actor, playlist)
        require_manage(actor, target)
        return await self._store.create(
            NewRound(
                guild_id=actor.guild_id,
                playlist_id=target.id,
                theme=theme,
                per_member=per_member,
                votes_per_member=votes,
                anonymous=anonymous,
                reorder=reorder,
                channel_id=channel_id,
                created_by=actor.user_id,
                created_at=now,
                closes_at=closes_at,
                voting_s=int(voting_for.total_seconds()) if voting_for else None,
            )
        )

    async def set_message(self, r: Round, message_id: int) -> None:
        await self._store.set_message(r.guild_id, r.id, message_id)

    async def submit_typed(self, actor: Actor, round_id: str, typed: str) -> tuple[Round, Submission, Resolved]:
        """Submit what the member typed ("Artist - Title" or search text), found on Last.fm."""
        r = await self.get(actor.guild_id, round_id)
        playlist = await self._submittable(actor, r)
        resolved = await self._music.resolve(await self._as_track_text(typed))
        submission = await self._submit(actor, r, playlist, resolved.track)
        return r, submission, resolved

    async def _as_track_text(self, typed: str) -> str:
        """ "Artist - Title" as typed, or the best Last.fm match of search text."""
        try:
            text.parse_track(typed)
        except InvalidInput:
            found = await self._music.suggest(typed, limit=1)
            if not found:
                raise
            return f"{found[0].artist} - {found[0].name}"
        return typed

    async def route_add(self, actor: Actor, playlist: Playlist, tracks: Sequence[Track]) -> list[Entry] | None:
        """The playlist service's hook: adding to a playlist with a round running is submitting to the round.
        None when the playlist has no round (an ordinary add)."""
        r = await self._store.active_for(actor.guild_id, playlist.id)
        if r is None:
            return None
        if r.phase is not Phase.OPEN:
            raise rules.not_open()
        added = []
        for track in tracks:
            sub = await self._submit(actor, r, playlist, track)
            added.append(await self._entry_of(r, sub))
        return added

    async def _entry_of(self, r: Round, sub: Submission) -> Entry:
        entry = await self._entries.get(r.guild_id, r.playlist_id, sub.entry_id or "")
        if entry is None:
            raise rules.submission_missing()
        return entry

    async def _submittable(self, actor: Actor, r: Round) -> Playlist:
        if r.phase is not Phase.OPEN:
            raise rules.not_open()
        playlist = await self.playlist_of(r)
        require_edit(actor, playlist)
        return playlist

    async def _submit(self, actor: Actor, r: Round, playlist: Playlist, track: Track) -> Submission:
        now = self._clock.now()
        new = NewSubmission(member_id=actor.user_id, track=track, norm_key=text.track_key(track), submitted_at=now)

        def event(added: list[Entry]) -> NewEvent:
            return NewEvent(
                guild_id=actor.guild_id,
                playlist_id=playlist.id,
                actor_id=actor.user_id,
                action=EventAction.ADD,
                summary=f"added {track.artist} - {track.title} (round: {r.theme})",
                data={"entry_ids": [e.id for e in added], "round_id": r.id},
                at=now,
            )

        made = await self._store.submit(
            actor.guild_id, r.id, new, max_tracks=self._playlists.limits.max_tracks, event=event
        )
        self._counts_changed(r)
        return made

    def _counts_changed(self, r: Round) -> None:
        for changed in self._watchers:
            changed(r)

    async def removed(self, guild_id: int, playlist_id: str, entry_ids: builtins.list[str]) -> None:
        """The playlist service's hook: entries left the playlist. While its round is open, the submissions that
        added them are withdrawn, so the member's quota is free again for another track."""
        r = await self._store.active_for(guild_id, playlist_id)
        if r is not None and r.phase is Phase.OPEN and await self._store.withdraw(guild_id, playlist_id, entry_ids):
            self._counts_changed(r)

    async def refuse_bulk(self, playlist: Playlist) -> None:
        """The playlist service's hook: no import into a playlist with a round running (it would skip the quota)."""
        r = await self._store.active_for(playlist.guild_id, playlist.id)
        if r is not None:
            raise rules.round_blocks_import(playlist.name, r.theme)

    # -- voting -----------------------------------------------------------------------------------------------

    async def toggle_vote(self, actor: Actor, round_id: str, submission_id: str) -> tuple[bool, int]:
        """Vote for the submission, or take the vote back if given; (voting for it now, votes used)."""
        r = await self.get(actor.guild_id, round_id)
        if r.phase is not Phase.VOTING:
            raise rules.not_voting()
        mine = await self._store.votes_of(r.guild_id, r.id, actor.user_id)
        on = submission_id not in mine
        used = await self._store.vote(r.guild_id, r.id, submission_id, actor.user_id, on=on, limit=r.votes_per_member)
        return on, used

    # -- phases -----------------------------------------------------------------------------------------------

    async def close(self, actor: Actor | None, round_id: str, *, guild_id: int | None = None) -> Round | None:
        """Stop submissions and open voting (actor None: the runner, on time). None if it was not open."""
        r = await self._managed(actor, round_id, guild_id)
        now = self._clock.now()
        ends = now + timedelta(seconds=r.voting_s) if r.voting_s else None
        self._ballots.drop(r.id)  # ballot rows belong to one phase (a click reading another phase reloads too)
        return await self._store.transition(
            r.guild_id, r.id, expect=Phase.OPEN, to=Phase.VOTING, at=now, next_at=ends, voting_ends_at=ends
        )

    async def reveal(self, actor: Actor | None, round_id: str, *, guild_id: int | None = None) -> Results | None:
        """End voting and rank the tracks; reorder the playlist by votes if the round asks. None if it was not
        voting (someone else revealed it)."""
        r = await self._managed(actor, round_id, guild_id)
        self._ballots.drop(r.id)
        moved = await self._store.transition(
            r.guild_id, r.id, expect=Phase.VOTING, to=Phase.REVEALED, at=self._clock.now(), next_at=None
        )
        if moved is None:
            return None
        results = await self.results(moved)
        if moved.reorder:
            await self._reorder(moved, results)
        return results

    async def cancel(self, actor: Actor, round_id: str) -> Round:
        r = await self._managed(actor, round_id, None)
        self._ballots.drop(r.id)
        for expect in (Phase.OPEN, Phase.VOTING):
            done = await self._store.transition(
                r.guild_id, r.id, expect=expect, to=Phase.CANCELLED, at=self._clock.now(), next_at=None
            )
            if done is not None:
                return done
        raise rules.not_voting() if r.phase is Phase.REVEALED else rules.round_missing()

    async def advance_due(self) -> builtins.list[tuple[Round, Results | None]]:
        """Move every due round on by one phase; returns the rounds this caller moved (compare-and-set: with
        several processes each change is made, and returned, exactly once)."""
        moved: builtins.list[tuple[Round, Results | None]] = []
        for r in await self._store.due(now=self._clock.now(), limit=self.limits.due_batch):
            if r.phase is Phase.OPEN:
                closed = await self.close(None, r.id, guild_id=r.guild_id)
                if closed is not None:
                    moved.append((closed, None))
            elif r.phase is Phase.VOTING:
                results = await self.reveal(None, r.id, guild_id=r.guild_id)
                if results is not None:
                    moved.append((results.round, results))
        return moved

    async def unannounced(self) -> builtins.list[Round]:
        """Rounds whose announcement still shows an earlier phase (the process that moved them stopped first)."""
        return await self._store.unannounced(limit=self.limits.due_batch)

    async def announced(self, r: Round) -> None:
        await self._store.announced(r.guild_id, r.id, r.phase)

    async def repair(self) -> int:
        """Finish or withdraw submits cut off half-way (see `RoundRepository.repair`)."""
        return await self._store.repair(older_than=self._clock.now() - self.limits.repair_after)

    async def managed(self, actor: Actor, round_id: str) -> Round:
        """The round, if `actor` may close, reveal or cancel it (else Forbidden): to check before asking."""
        return await self._managed(actor, round_id, None)

    async def _managed(self, actor: Actor | None, round_id: str, guild_id: int | None) -> Round:
        r = await self.get(actor.guild_id if actor else guild_id or 0, round_id)
        if actor is not None:
            playlist = await self._pl.get(r.guild_id, r.playlist_id)
            if playlist is None:
                if not actor.is_manager:
                    raise Forbidden("Only server managers can end a round whose playlist was deleted.")
            else:
                require_manage(actor, playlist)
        return r

    async def _reorder(self, r: Round, results: Results) -> None:
        now = self._clock.now()
        for position, ranked in enumerate(results.ranking, start=1):
            entry_id = ranked.submission.entry_id
            if entry_id is None:
                continue
            try:
                await self._entries.move(r.guild_id, r.playlist_id, entry_id, position, at=now)
            except NotFound:
                continue  # removed from the playlist meanwhile

    # -- anonymity --------------------------------------------------------------------------------------------

    async def hidden(self, guild_id: int, playlist_id: str | None) -> visibility.Hidden:
        """Entries whose submitter is hidden: those of anonymous rounds not revealed yet (on one playlist, or on
        every playlist of the server)."""
        if playlist_id is None:
            running = await self._store.list_active(guild_id)
        else:
            one = await self._store.active_for(guild_id, playlist_id)
            running = [one] if one is not None else []
        hidden: dict[str, int] = {}
        for r in running:
            if r.anonymous:
                for s in await self._store.submissions(guild_id, r.id):
                    if s.entry_id is not None:
                        hidden[s.entry_id] = s.member_id
        return hidden

    def shown(self, r: Round, subs: Sequence[Submission], viewer: Actor | None) -> list[Submission]:
        return visibility.submissions(r, subs, viewer)
