"""The mix service: playlists generated in a second or two from a mood, from seed tracks, from the members'
own listening, or from a playlist itself, and saved or added to a playlist with who saved them and why.

Discord-free and adapter-free: the catalog comes from the music service (None there: Last.fm is not set up), the
playlists are changed only through the playlist service's permission-checked use cases. Members' listening is
read only for members who linked an account and opted in (`Account.mix_consent`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import re
from collections.abc import Awaitable, Sequence

from bot.domain import text
from bot.domain.catalog import PrivateProfile
from bot.domain.errors import InvalidInput, LimitExceeded, NotFound, SharifyError, UpstreamUnavailable
from bot.domain.mixes import rules, sources
from bot.domain.mixes.fan import Fan
from bot.domain.mixes.model import (
    MAX_LENGTH_S,
    MAX_TRACKS,
    BlendInputs,
    Candidate,
    ExtendInputs,
    Mix,
    MixInputs,
    MoodInputs,
    Progress,
    Reason,
    ReasonKind,
    SimilarInputs,
    Size,
    Skipped,
)
from bot.domain.models import Entry, Playlist, Track
from bot.domain.permissions import Actor, can_edit_tracks
from bot.domain.ports.catalog import MusicCatalog
from bot.domain.ports.storage import Storage
from bot.domain.services.music import MusicService
from bot.domain.services.playlists import PlaylistService

log = logging.getLogger(__name__)

MAX_TAGS = 5
MAX_BLEND = 10
EXTEND_SEEDS = 5
TAG_VOCABULARY = 250
DOWN = "Last.fm isn't answering right now, so no mix could be made. Please try again in a minute."
_LENGTH = re.compile(r"^\s*(?:(?P<h>\d{1,2})\s*h(?:ours?)?)?\s*(?:(?P<m>\d{1,3})\s*(?:m|min|mins|minutes?)?)?\s*$")


def parse_tags(typed: str, *, what: str = "tags") -> tuple[str, ...]:
    """ "rainy, lo-fi" -> ("rainy", "lo-fi"): case-folded, trimmed, unique, at most MAX_TAGS."""
    found = [text.name_key(t) for t in typed.split(",")]
    tags = tuple(dict.fromkeys(t for t in found if t))
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"Give at most {MAX_TAGS} {what}, separated by commas.")
    for t in tags:
        text.clean_line(t, what="tag", max_len=60)
    return tags


def parse_size(tracks: int | None, length: str | None) -> Size:
    if length:
        m = _LENGTH.match(length.lower())
        if not m or not (m.group("h") or m.group("m")):
            raise InvalidInput('Write the length like "60m", "1h30" or "90" (minutes).')
        seconds = int(m.group("h") or 0) * 3600 + int(m.group("m") or 0) * 60
        if not 5 * 60 <= seconds <= MAX_LENGTH_S:
            raise InvalidInput(f"A mix can be 5 minutes to {MAX_LENGTH_S // 3600} hours long.")
        return Size(length_s=seconds)
    count = 25 if tracks is None else tracks
    if not 1 <= count <= MAX_TRACKS:
        raise InvalidInput(f"A mix holds 1 to {MAX_TRACKS} tracks.")
    return Size(tracks=count)


class MixService:
    def __init__(
        self,
        music: MusicService,
        playlists: PlaylistService,
        storage: Storage,
        *,
        per_artist: int = rules.PER_ARTIST,
        sequential: bool = False,
    ) -> None:
        """`sequential`: one catalog lookup at a time (the benchmark's comparison), never in production."""
        self._music = music
        self._playlists = playlists
        self._store = storage
        self.per_artist = per_artist
        self.sequential = sequential
        self._vocabulary: list[str] = []

    @property
    def _catalog(self) -> MusicCatalog:
        return self._music.catalog  # UpstreamUnavailable when Last.fm is not set up

    # -- making a mix ---------------------------------------------------------------------------------------------

    async def make(self, inputs: MixInputs, *, seed: int, progress: Progress | None = None) -> Mix:
        """The mix for these inputs; the same inputs, seed and catalog answers give the same mix."""
        fan = Fan(sequential=self.sequential, progress=progress)
        rng = random.Random(seed)
        match inputs:
            case MoodInputs():
                return await self._mood(inputs, seed, rng, fan)
            case SimilarInputs():
                return await self._similar(inputs, seed, rng, fan)
            case BlendInputs():
                return await self._blend(inputs, seed, rng, fan)
            case ExtendInputs():
                return await self._extend(inputs, seed, rng, fan)

    async def _mood(self, inputs: MoodInputs, seed: int, rng: random.Random, fan: Fan) -> Mix:
        if not inputs.tags:
            raise InvalidInput("Name at least one tag, for example `rainy, lo-fi`.")
        catalog = self._catalog
        found = await sources.mood(catalog, inputs.tags, inputs.match, inputs.size, fan)
        _require_some(found, what="tag")
        order = rules.draw(rules.merge(found.candidates).values(), rng, by_tier=inputs.match.value == "all")
        picker = rules.Picker(inputs.size, per_artist=self.per_artist)
        banned: set[str] = set()
        checked: set[str] = set()
        for _ in range(4):  # check the artists picked so far; replace those carrying an avoided tag
            picker = rules.Picker(inputs.size, per_artist=self.per_artist)
            picker.take(c for c in order if rules.artist_key(c.track) not in banned)
            if not inputs.avoid:
                break
            fresh = {c.track.artist for c in picker.picked if rules.artist_key(c.track) not in checked}
            if not fresh:
                break
            checked |= {rules.artist_key(c.track) for c in picker.picked}
            avoided = await sources.avoided_artists(catalog, sorted(fresh), inputs.avoid, fan)
            if not avoided:
                break
            banned |= {rules.artist_key(_artist_only(a)) for a in avoided}
        title = "Mood: " + ", ".join(inputs.tags) + (f" (without {', '.join(inputs.avoid)})" if inputs.avoid else "")
        return self._finish(inputs, seed, picker, found.missing, fan, title=title)

    async def _similar(self, inputs: SimilarInputs, seed: int, rng: random.Random, fan: Fan) -> Mix:
        if not inputs.seeds:
            raise InvalidInput("Pick at least one seed track.")
        exclude = asyncio.get_running_loop().create_future()
        exclude.set_result(frozenset(text.track_key(s) for s in inputs.seeds))
        picker, missing = await self._like(inputs.seeds, inputs.size, exclude, rng, fan)
        title = "Like " + "; ".join(f"{s.artist} - {s.title}" for s in inputs.seeds)
        return self._finish(inputs, seed, picker, missing, fan, title=title)

    async def _extend(self, inputs: ExtendInputs, seed: int, rng: random.Random, fan: Fan) -> Mix:
        g = inputs.guild_id
        playlist = await self._playlists.get(g, inputs.playlist)
        empty = InvalidInput(f"{text.quoted(playlist.name)} has no tracks yet to find more like.")
        if not playlist.track_count:
            raise empty
        # Only the seeds are read before asking Last.fm; every held track (what the mix leaves out) is read while
        # Last.fm answers, off the critical path.
        positions = rng.sample(range(1, playlist.track_count + 1), min(EXTEND_SEEDS, playlist.track_count))
        picked = await asyncio.gather(*(self._store.entries.entry_at(g, playlist.id, p) for p in positions))
        seeds = [e.track for e in picked if e is not None]
        if not seeds:
            raise empty
        keys = asyncio.ensure_future(_keys_of(self._store.entries.page(g, playlist.id)))
        try:
            picker, missing = await self._like(seeds, Size(tracks=inputs.count), keys, rng, fan)
        finally:
            keys.cancel()  # a no-op once read; stops the read when the mix failed first
        return self._finish(inputs, seed, picker, missing, fan, title=f"More like {playlist.name}")

    async def _like(
        self, seeds: Sequence[Track], size: Size, exclude_later: Awaitable[frozenset[str]], rng: random.Random, fan: Fan
    ) -> tuple[rules.Picker, list[str]]:
        """Tracks like the seeds, minus `exclude_later` (awaited once the answers are in); when the rules leave the
        mix short, the seeds' similar artists' top tracks too."""
        found = await sources.similar(self._catalog, seeds, size, fan)
        _require_some(found, what="seed track")
        exclude = await exclude_later
        state = random.Random(rng.random())
        picker = rules.Picker(size, exclude=exclude, per_artist=self.per_artist)
        picker.take(rules.draw(rules.merge(found.candidates).values(), state))
        rest = [s for s in seeds if s.artist not in found.widened]
        if not picker.full and rest:
            await sources.widen(self._catalog, rest, fan, found)
            picker = rules.Picker(size, exclude=exclude, per_artist=self.per_artist)
            picker.take(rules.draw(rules.merge(found.candidates).values(), random.Random(rng.random())))
        return picker, found.missing

    async def _blend(self, inputs: BlendInputs, seed: int, rng: random.Random, fan: Fan) -> Mix:
        catalog = self._catalog
        ids = list(dict.fromkeys(inputs.user_ids))[:MAX_BLEND]
        accounts = await asyncio.gather(*(self._store.accounts.get(uid) for uid in ids))
        skipped: list[Skipped] = []
        readable: list[tuple[int, str]] = []
        for uid, account in zip(ids, accounts, strict=True):
            if account is None:
                skipped.append(Skipped(uid, "not linked"))
            elif not account.mix_consent:
                skipped.append(Skipped(uid, "no consent"))
            else:
                readable.append((uid, account.lastfm_username))
        if not readable:
            raise InvalidInput(_nobody(skipped))
        lists, failed = await sources.listening(catalog, readable, inputs.period, fan)
        for uid, error in failed.items():
            skipped.append(Skipped(uid, "private profile" if isinstance(error, PrivateProfile) else "Last.fm error"))
        if not lists:
            if any(not isinstance(e, PrivateProfile) for e in failed.values()):
                raise UpstreamUnavailable(DOWN)
            raise InvalidInput(_nobody(skipped))
        picker = _fair_share(lists, inputs.size, rng, self.per_artist)
        used = tuple(uid for uid, _ in readable if uid in lists)
        mix = self._finish(inputs, seed, picker, [], fan, title="Server blend")
        return dataclasses.replace(mix, used=used, skipped=tuple(skipped))

    def _finish(
        self, inputs: MixInputs, seed: int, picker: rules.Picker, missing: Sequence[str], fan: Fan, *, title: str
    ) -> Mix:
        return Mix(
            inputs=inputs,
            seed=seed,
            picks=rules.picks(picker.picked),
            missing=tuple(missing),
            short=picker.shortfall(),
            title=title,
            stale=fan.stale,
        )

    # -- tags -----------------------------------------------------------------------------------------------------

    async def suggest_tags(self, typed: str, *, limit: int = 25, budget: float = 1.5) -> list[str]:
        """Autocomplete for a comma-separated tag list: the last tag completed from Last.fm's tag vocabulary
        (read once, then kept), with what the member typed first. Never an error."""
        head, _, last = typed.rpartition(",")
        prefix = ", ".join(t.strip() for t in head.split(",") if t.strip())
        prefix = prefix + ", " if prefix else ""
        last = text.name_key(last)
        if not self._vocabulary and self._music.available:
            try:
                async with asyncio.timeout(budget):
                    tags = await self._catalog.top_tags(limit=TAG_VOCABULARY)
                self._vocabulary = [text.name_key(t.name) for t in tags.tags]
            except (TimeoutError, SharifyError):
                log.info("tag vocabulary unavailable for autocomplete", exc_info=True)
        matches = [t for t in self._vocabulary if t.startswith(last)] + [
            t for t in self._vocabulary if last and last in t and not t.startswith(last)
        ]
        out = [prefix + last] if last else []
        out += [prefix + t for t in matches if t != last]
        return [o for o in dict.fromkeys(out) if len(o) <= 100][:limit]

    # -- saving ---------------------------------------------------------------------------------------------------

    async def save(self, actor: Actor, name: str, mix: Mix) -> Playlist:
        """A new playlist holding the mix; each track keeps who saved it and, in the audit log, why it was picked."""
        if not mix.picks:
            raise InvalidInput("This mix is empty: there is nothing to save.")
        if len(mix.picks) > self._playlists.limits.max_tracks:
            raise LimitExceeded(f"A playlist holds at most {self._playlists.limits.max_tracks} tracks here.")
        playlist = await self._playlists.create(actor, name, description=_describe(mix))
        await self._playlists.add(
            actor, playlist.name, [p.track for p in mix.picks], reasons=[p.reason_text() for p in mix.picks]
        )
        return await self._playlists.get(actor.guild_id, playlist.name)

    async def add_to(self, actor: Actor, name: str, mix: Mix) -> tuple[Playlist, int, int]:
        """Add the mix's tracks the playlist doesn't hold yet: (playlist, added, already there). The playlist's
        mode is checked first, its track limit before anything is written."""
        playlist = await self._playlists.editable(actor, name)
        have = _keys(await self._store.entries.page(actor.guild_id, playlist.id))
        new = [p for p in mix.picks if text.track_key(p.track) not in have]
        if not new:
            return playlist, 0, len(mix.picks)
        room = self._playlists.limits.max_tracks - playlist.track_count
        if len(new) > room:
            raise LimitExceeded(
                f"{text.quoted(playlist.name)} has room for {max(room, 0)} more track(s);"
                f" this mix would add {len(new)}."
            )
        _, added = await self._playlists.add(
            actor, playlist.name, [p.track for p in new], reasons=[p.reason_text() for p in new]
        )
        playlist = await self._playlists.get(actor.guild_id, playlist.name)
        return playlist, len(added), len(mix.picks) - len(new)

    async def editable(self, actor: Actor, *, limit: int = 25) -> list[Playlist]:
        """The playlists this member may add tracks to (for a select menu)."""
        found = await self._playlists.playlists(actor.guild_id)
        return [p for p in found if can_edit_tracks(actor, p)][:limit]

    async def contributors(self, guild_id: int, *, limit: int = MAX_BLEND) -> list[int]:
        """Members who recently changed this server's playlists, most recent first: a blend's default crowd."""
        events = await self._store.events.list(guild_id, limit=200)
        return list(dict.fromkeys(e.actor_id for e in events))[:limit]


def _artist_only(artist: str) -> Track:
    return Track(artist=artist, title="")


def _keys(entries: Sequence[Entry]) -> frozenset[str]:
    return frozenset(e.norm_key for e in entries)


async def _keys_of(entries: Awaitable[Sequence[Entry]]) -> frozenset[str]:
    return _keys(await entries)


def _require_some(found: sources.Found, *, what: str) -> None:
    """Nothing at all to mix: say whether Last.fm is down or the inputs are unknown."""
    if found.candidates:
        return
    if found.errors:
        raise UpstreamUnavailable(DOWN)
    raise NotFound(f"Nothing to mix: {'; '.join(found.missing) or f'no {what} gave any track'}.")


def _nobody(skipped: Sequence[Skipped]) -> str:
    who = ", ".join(f"<@{s.user_id}> ({s.why})" for s in skipped) or "nobody"
    return (
        "No one's listening could be used: " + who + ". Members link with `/lastfm link` and opt in with "
        "`/lastfm consent on`."
    )


def _fair_share(lists: dict[int, list[Candidate]], size: Size, rng: random.Random, per_artist: int) -> rules.Picker:
    """Tracks several members share first (the more members, the earlier), then turns: each member in turn
    adds their next track, so everyone gets a fair share."""
    merged = rules.merge(c for mine in lists.values() for c in mine)
    for c in merged.values():
        c.tier = len(c.owners)
        c.reasons = [Reason(ReasonKind.LISTENER, user_ids=tuple(sorted(c.owners)))]
    picker = rules.Picker(size, per_artist=per_artist)
    picker.take(rules.draw([c for c in merged.values() if c.tier > 1], rng))
    queues = [
        iter(rules.draw([merged[k] for k in dict.fromkeys(c.key for c in lists[uid])], rng)) for uid in sorted(lists)
    ]
    while queues and not picker.full:
        for queue in list(queues):
            if picker.full:
                break
            if next((True for c in queue if picker.offer(c)), None) is None:
                queues.remove(queue)
    return picker


def _describe(mix: Mix) -> str:
    return mix.title if len(mix.title) <= text.DESCRIPTION_MAX else mix.title[: text.DESCRIPTION_MAX - 1] + "…"
