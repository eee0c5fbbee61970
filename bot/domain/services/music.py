"""Finding tracks and listeners in the music catalog (Last.fm): search-as-you-type, resolving free text to a
real track, linked accounts and what a member is playing. Discord-free and adapter-free: it talks to the
catalog through the `MusicCatalog` port; the cogs render what comes back."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.domain import text
from bot.domain.catalog import CatalogTrack, TrackFacts
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotFound, UpstreamUnavailable
from bot.domain.models import Account, Track
from bot.domain.ports.catalog import MusicCatalog
from bot.domain.ports.storage import AccountRepository

log = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "Last.fm isn't set up on this bot, so this command is unavailable. (The admin sets SHARIFY_LASTFM_API_KEY.)"
)
LENGTH_BUDGET = 1.0  # seconds to look up a scrobble's length before going on without it
LINK_FIRST = "Link your Last.fm account first: `/lastfm link username:<your Last.fm name>`."


@dataclass(frozen=True)
class Resolved:
    track: Track
    verified: bool  # found on Last.fm; False when Last.fm was unreachable and the text was kept as typed
    corrected: bool = False  # Last.fm's autocorrect changed the spelling
    stale: bool = False


@dataclass(frozen=True)
class Playing:
    account: Account
    item: CatalogTrack  # `item.now_playing`: playing right now, else the most recent scrobble
    stale: bool = False

    @property
    def track(self) -> Track:
        return self.item.track


@dataclass(frozen=True)
class TrackDetails:
    facts: TrackFacts
    linked: Account | None
    stale: bool = False


class MusicService:
    def __init__(self, catalog: MusicCatalog | None, accounts: AccountRepository, *, clock: Clock) -> None:
        """`catalog` None: Last.fm is not configured; lookups say so, resolve keeps the text as typed."""
        self._catalog = catalog
        self._accounts = accounts
        self._clock = clock

    @property
    def available(self) -> bool:
        return self._catalog is not None

    @property
    def catalog(self) -> MusicCatalog:
        """The catalog, for services that build on it (mixes). Not configured: UpstreamUnavailable."""
        if self._catalog is None:
            raise UpstreamUnavailable(NOT_CONFIGURED)
        return self._catalog

    # -- search and resolve ------------------------------------------------------------------------------------

    async def suggest(self, typed: str, *, limit: int = 25, budget: float = 2.0) -> list[CatalogTrack]:
        """Search-as-you-type within `budget` seconds: cached or fresh results, never an error (autocomplete
        must always answer), [] when nothing could be had in time."""
        typed = typed.strip()
        if self._catalog is None or len(typed) < 2:
            return []
        artist, _, title = typed.partition(" - ")
        query = (title or artist).strip()
        try:
            async with asyncio.timeout(budget):
                found = await self._catalog.search_tracks(query, artist=artist.strip() if title else None, limit=limit)
        except TimeoutError:
            return []
        except Exception:  # autocomplete degrades to no suggestions, never to an error
            log.info("track search failed for autocomplete", exc_info=True)
            return []
        return list(found.tracks[:limit])

    async def resolve(self, typed: str) -> Resolved:
        """A real track from "Artist - Title" (Last.fm autocorrects spelling). Unknown: NotFound listing the
        closest matches. Last.fm unreachable: the text as typed, marked unverified, so nothing is lost."""
        wanted = text.parse_track(typed)
        if self._catalog is None:
            return Resolved(wanted, verified=False)
        try:
            facts = await self._catalog.track_info(wanted.artist, wanted.title)
        except NotFound:
            raise NotFound(await self._not_found_message(wanted)) from None
        except UpstreamUnavailable:
            log.warning("Last.fm unavailable: adding %r unverified", typed)
            return Resolved(wanted, verified=False)
        corrected = text.track_key(facts.track) != text.track_key(wanted)
        return Resolved(facts.track, verified=True, corrected=corrected, stale=facts.stale)

    async def _not_found_message(self, wanted: Track) -> str:
        base = f"I couldn't find {text.quoted(f'{wanted.artist} - {wanted.title}')} on Last.fm."
        close: list[CatalogTrack] = []
        for query in (f"{wanted.artist} - {wanted.title}", wanted.title, wanted.artist):
            close = close or await self.suggest(query, limit=3, budget=0.6)
        if not close:
            return base + " Check the spelling, or pick a suggestion while typing."
        names = "; ".join(text.quoted(f"{t.artist} - {t.name}") for t in close)
        return f"{base} Closest matches: {names}."

    # -- accounts ----------------------------------------------------------------------------------------------

    async def link(self, user_id: int, username: str) -> Account:
        name = text.clean_line(username, what="Last.fm username", max_len=64)
        if not name.replace("_", "").replace("-", "").isalnum():
            raise InvalidInput("Last.fm usernames are letters, digits, '_' and '-'.")
        listener = await self.catalog.user_info(name)
        account = Account(user_id=user_id, lastfm_username=listener.username, linked_at=self._clock.now())
        await self._accounts.link(account)
        return account

    async def unlink(self, user_id: int) -> bool:
        """Forget the account, and with it the consent to use its listening in blends."""
        return await self._accounts.unlink(user_id)

    async def set_consent(self, user_id: int, consent: bool) -> Account:
        """Opt in to (or out of) server blends reading this member's Last.fm listening. Off until turned on;
        linking again or unlinking turns it off."""
        updated = await self._accounts.set_consent(user_id, consent)
        if updated is None:
            raise NotFound(LINK_FIRST)
        return updated

    async def account(self, user_id: int) -> Account:
        found = await self._accounts.get(user_id)
        if found is None:
            raise NotFound(LINK_FIRST)
        return found

    async def playing(self, user_id: int) -> Playing:
        """The member's current scrobble, or the most recent one, from whatever player it came from.
        A private profile raises PrivateProfile (a Forbidden naming the account)."""
        account = await self.account(user_id)
        recent = await self.catalog.recent_tracks(account.lastfm_username, limit=1)
        latest = recent.latest
        if latest is None:
            raise NotFound(f"{text.quoted(account.lastfm_username)} hasn't scrobbled anything yet.")
        return Playing(account, await self._with_length(latest), stale=recent.stale)

    async def _with_length(self, item: CatalogTrack) -> CatalogTrack:
        """Scrobbles carry no length: ask the track's facts for it, briefly; without it the item is unchanged."""
        if item.duration_s or self._catalog is None:
            return item
        try:
            async with asyncio.timeout(LENGTH_BUDGET):
                facts = await self._catalog.track_info(item.artist, item.name)
        except Exception:  # the length is a nicety: the scrobble is enough
            log.info("no length for a scrobble", exc_info=True)
            return item
        return item.model_copy(update={"duration_s": facts.track.duration_s}) if facts.track.duration_s else item

    async def details(self, typed: str, user_id: int) -> TrackDetails:
        wanted = text.parse_track(typed)
        linked = await self._accounts.get(user_id)
        username = linked.lastfm_username if linked else None
        try:
            facts = await self.catalog.track_info(wanted.artist, wanted.title, username=username)
        except NotFound:
            raise NotFound(await self._not_found_message(wanted)) from None
        return TrackDetails(facts, linked, stale=facts.stale)
