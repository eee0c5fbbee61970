"""Playlists in and out of Sharify: export to a file, import a file (or pasted lines) after a review.

An import is three steps, so nothing is written before the member has seen what will be: `begin` (the target is
chosen and the permission checked before anything slow), `read` + `match` (every distinct entry looked up once on
the music catalog, concurrently, within the catalog client's rate limit and cache) and `commit` (one atomic append
with its audit event, the permission and the limits checked again). Between `match` and `commit` the review lives
in a small in-memory store with an expiry (`Reviews`). Discord-free: the cog downloads, renders and asks.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain import formats, text
from bot.domain.clock import Clock
from bot.domain.errors import Conflict, Forbidden, InvalidInput, LimitExceeded, NotFound, UpstreamUnavailable
from bot.domain.formats import ExportTrack, Format, ImportedEntry, PlaylistFile
from bot.domain.models import Entry, EventAction, NewEntry, NewEvent, Playlist, Track
from bot.domain.permissions import Actor, require_edit
from bot.domain.ports.storage import Storage
from bot.domain.rounds import visibility
from bot.domain.services.imports import EXPIRED, Match, MatchKind, Progress, Review, Reviews, Target, Throttled
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService

LINK_BYTES = 800  # XSPF's per-platform links cost about this much per track (measured on the writer)
LINKS_BUDGET = 4 * 1024 * 1024  # above this estimate, XSPF is written without links so it stays shareable
WORKERS = 16  # lookups in flight from one import; the catalog client's own limiter and in-flight cap still apply
GIVE_UP_AFTER = 5  # consecutive "catalog unavailable" answers before the rest is kept unchecked
_UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 2 * 1024 * 1024
    max_tracks: int = 2_000


@dataclass(frozen=True)
class Committed:
    playlist: Playlist
    entries: list[Entry]
    unverified: int
    created: bool


@dataclass(frozen=True)
class Exported:
    filename: str
    data: bytes
    gzipped: bool
    with_links: bool
    tracks: int


class TransferService:
    def __init__(
        self,
        storage: Storage,
        playlists: PlaylistService,
        music: MusicService,
        *,
        clock: Clock,
        limits: ImportLimits | None = None,
        reviews: Reviews | None = None,
    ) -> None:
        self._store = storage
        self._playlists = playlists
        self._music = music
        self._clock = clock
        self.limits = limits or ImportLimits()
        self.reviews = reviews or Reviews(clock)

    # -- export --------------------------------------------------------------------------------------------------

    async def export(
        self,
        guild_id: int,
        name: str,
        fmt: Format | str,
        *,
        max_bytes: int,
        who: Callable[[int], str | None] = lambda _user_id: None,
    ) -> Exported:
        """The playlist as a file of at most `max_bytes`: gzipped when that makes it fit, else LimitExceeded."""
        kind = Format(fmt)
        playlist = await self._playlists.get(guild_id, name)
        entries = await self._store.entries.page(guild_id, playlist.id)
        entries = visibility.entries(entries, await self._playlists.hidden(guild_id, playlist.id, None))
        tracks = [ExportTrack(track=e.track, added_by=who(e.added_by), added_at=e.added_at) for e in entries]
        with_links = kind is Format.XSPF and len(tracks) * LINK_BYTES <= LINKS_BUDGET
        data = await asyncio.to_thread(
            formats.export,
            playlist.name,
            playlist.description,
            tracks,
            kind,
            date=playlist.created_at,
            with_links=with_links,
        )
        filename, gzipped = f"{safe_filename(playlist.name)}.{kind.value}", False
        if len(data) > max_bytes:
            data, filename, gzipped = await asyncio.to_thread(gzip.compress, data, 9, mtime=0), filename + ".gz", True
        if len(data) > max_bytes:
            raise LimitExceeded(
                f"{text.quoted(playlist.name)} is too large to send as a file, even compressed "
                f"({len(data):,} bytes; Discord takes {max_bytes:,}). Try TXT or CSV."
            )
        return Exported(filename, data, gzipped, with_links and kind is Format.XSPF, len(tracks))

    # -- import ----------------------------------------------------------------------------------------------------

    async def begin(self, actor: Actor, *, into: str | None, name: str | None) -> Target | None:
        """The target, checked before anything is downloaded or looked up: `into` an existing playlist the actor
        may edit, or a new playlist `name` (free on this server). Neither: None, decided from the file (`target`)."""
        if into and name:
            raise InvalidInput("Choose either `into` (an existing playlist) or `name` (a new one), not both.")
        if into:
            playlist = await self._playlists.editable(actor, into)
            await self._playlists.hooks.refuse_bulk(playlist)  # a running round takes tracks one by one
            return Target(playlist.name, playlist.id, playlist.description)
        if name:
            display, key = text.playlist_name(name)
            if await self._store.playlists.get_by_name(actor.guild_id, key) is not None:
                raise Conflict(
                    f"There is already a playlist named {text.quoted(display)}; use `into` to add to it, "
                    "or choose another name."
                )
            return Target(display)
        return None

    async def target(self, actor: Actor, chosen: Target | None, file: PlaylistFile, fallback: str) -> Target:
        """`chosen`, or a new playlist named after the file's title (else `fallback`), made unique with (2), (3)..."""
        if chosen is not None:
            return chosen
        base = _clean_name(file.name) or _clean_name(fallback) or "Imported playlist"
        description = _clean_description(file.description)
        for n in range(1, 21):
            candidate = base if n == 1 else f"{base[: text.NAME_MAX - 5]} ({n})"
            if await self._store.playlists.get_by_name(actor.guild_id, text.name_key(candidate)) is None:
                return Target(candidate, description=description)
        raise Conflict(f"Name the new playlist: {text.quoted(base)} and its numbered variants are all taken.")

    async def read(self, data: bytes) -> PlaylistFile:
        """The file read off the event loop (a 2 MiB file takes a while to parse). PlaylistFileError when bad."""
        return await asyncio.to_thread(
            formats.read, data, max_bytes=self.limits.max_bytes, max_tracks=self.limits.max_tracks
        )

    async def check_room(self, actor: Actor, target: Target, count: int) -> None:
        """Refuse before matching when the tracks can't fit the playlist."""
        limit = self._playlists.limits.max_tracks
        have = 0
        if target.playlist_id is not None:
            playlist = await self._live(actor, target)
            have = playlist.track_count
        if have + count > limit:
            room = max(0, limit - have)
            raise LimitExceeded(
                f"{text.quoted(target.name)} has room for {room:,} more track(s) (a playlist holds {limit:,}); "
                f"this has {count:,}."
            )

    async def match(self, entries: Sequence[ImportedEntry], *, progress: Progress | None = None) -> list[Match]:
        """Every entry looked up on the catalog; identical entries (case and spacing aside) are asked once."""
        distinct: dict[tuple[str, str], Track] = {}
        for e in entries:
            distinct.setdefault(_key(e.track), e.track)
        outcomes: dict[tuple[str, str], tuple[Track | None, bool]] = {}
        pending = list(distinct.items())
        pending.reverse()
        state = Throttled(len(distinct), progress, self._clock)
        failures = 0

        async def worker() -> None:
            nonlocal failures
            while pending:
                key, wanted = pending.pop()
                if failures >= GIVE_UP_AFTER or not self._music.available:
                    outcomes[key] = (None, False)
                else:
                    try:
                        facts = await self._music.catalog.track_info(wanted.artist, wanted.title)
                        outcomes[key], failures = (facts.track, True), 0
                    except (NotFound, InvalidInput):
                        outcomes[key], failures = (None, True), 0
                    except UpstreamUnavailable:
                        outcomes[key], failures = (None, False), failures + 1
                state.step()

        await asyncio.gather(*(worker() for _ in range(min(WORKERS, len(distinct)))))
        await state.finish()
        matches = []
        for e in entries:
            found, checked = outcomes[_key(e.track)]
            if found is None:
                matches.append(Match(e, MatchKind.UNMATCHED, checked=checked))
            else:
                corrected = text.track_key(found) != text.track_key(e.track)
                matches.append(Match(e, MatchKind.CORRECTED if corrected else MatchKind.MATCHED, found))
        return matches

    def hold(self, actor: Actor, target: Target, source: str, file: PlaylistFile, matches: list[Match]) -> Review:
        """Keep the review for the actor's decision; its `token` names it."""
        review = Review(actor.guild_id, actor.user_id, target, source, file.format, matches, file.skipped)
        return self.reviews.put(review)

    def review(self, token: str) -> Review:
        found = self.reviews.get(token)
        if found is None:
            raise NotFound(EXPIRED)
        return found

    def cancel(self, actor: Actor, token: str) -> Review:
        self._owned(actor, self.review(token))
        return self.reviews.pop(token) or self.review(token)

    async def commit(self, actor: Actor, token: str, *, matched_only: bool) -> Committed:
        """Write the reviewed tracks in one atomic append (with its ADD event, so `/playlist undo` takes the whole
        import back); a new playlist is created first. The permission and the limits are checked again here."""
        review = self._owned(actor, self.review(token))
        chosen = [m for m in review.matches if m.found is not None or not matched_only]
        if not chosen:
            raise InvalidInput("Nothing matched on Last.fm, so there is nothing to import with 'matched only'.")
        await self.check_room(actor, review.target, len(chosen))
        if self.reviews.pop(token) is None:  # decided by a concurrent press
            raise NotFound(EXPIRED)
        created = review.target.playlist_id is None
        try:
            if created:
                playlist = await self._playlists.create(actor, review.target.name, review.target.description)
            else:
                playlist = await self._live(actor, review.target)
        except Exception:
            self.reviews.put_back(review)  # the member may try again (after freeing the name, say)
            raise
        unverified = sum(1 for m in chosen if m.found is None)
        entries = await self._append(actor, playlist, chosen, review, unverified)
        fresh = await self._store.playlists.get(actor.guild_id, playlist.id)
        return Committed(fresh or playlist, entries, unverified, created)

    # -- helpers ---------------------------------------------------------------------------------------------------

    def _owned(self, actor: Actor, review: Review) -> Review:
        if review.user_id != actor.user_id or review.guild_id != actor.guild_id:
            raise Forbidden("Only the member who started this import can decide it.")
        return review

    async def _live(self, actor: Actor, target: Target) -> Playlist:
        assert target.playlist_id is not None
        playlist = await self._store.playlists.get(actor.guild_id, target.playlist_id)
        if playlist is None or playlist.deleted_at is not None:
            raise NotFound(f"{text.quoted(target.name)} was deleted or moved to the trash.")
        require_edit(actor, playlist)
        await self._playlists.hooks.refuse_bulk(playlist)
        return playlist

    async def _append(
        self, actor: Actor, playlist: Playlist, chosen: list[Match], review: Review, unverified: int
    ) -> list[Entry]:
        now = self._clock.now()
        tracks = [m.track for m in chosen]
        new = [NewEntry(track=t, norm_key=text.track_key(t), added_by=actor.user_id, added_at=now) for t in tracks]

        def event(added: list[Entry]) -> NewEvent:
            summary = f"imported {len(added)} track(s) from {review.source}"
            if unverified:
                summary += f" ({unverified} not found on Last.fm, kept as typed)"
            ids = [e.id for e in added]
            unchecked = [e.id for e, m in zip(added, chosen, strict=True) if m.found is None]
            data = {"entry_ids": ids, "unverified_entry_ids": unchecked, "format": review.format.value}
            return NewEvent(
                guild_id=actor.guild_id,
                playlist_id=playlist.id,
                actor_id=actor.user_id,
                action=EventAction.ADD,
                summary=summary,
                data=data,
                at=now,
            )

        limit = self._playlists.limits.max_tracks
        return await self._store.entries.append(actor.guild_id, playlist.id, new, max_tracks=limit, at=now, event=event)


def _key(track: Track) -> tuple[str, str]:
    return text.name_key(track.artist), text.name_key(track.title)


def _clean_name(value: str | None) -> str | None:
    try:
        return text.playlist_name(value[: text.NAME_MAX])[0] if value else None
    except InvalidInput:
        return None


def _clean_description(value: str | None) -> str:
    try:
        return text.description((value or "")[: text.DESCRIPTION_MAX])
    except InvalidInput:
        return ""


def safe_filename(name: str, *, limit: int = 60) -> str:
    """A file name anyone's system accepts: ASCII letters, digits and '-' in runs joined by '_'; never hidden,
    never a path, never empty ("playlist")."""
    words = [w.strip("-") for w in _UNSAFE.split(name)]
    cleaned = "_".join(w for w in words if w)[:limit].strip("_-")
    return cleaned or "playlist"
