"""Share pages: a playlist's optional public web page, and what the server lets such a page show.

The owner or a server manager turns a page on or off. The page's address carries a random token of 192 bits
(`secrets.token_urlsafe(24)`), never a playlist, server or member id; turning the page off deletes the token, so
turning it on again gives a new address and the old one is dead at once. The owner chooses whether search engines
may index the page (not by default); the server (Manage Server) chooses whether a page shows the server's name and
the contributors' display names (neither by default: "a member"). Discord-free: names come from the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.clock import Clock
from bot.domain.errors import Conflict, Forbidden
from bot.domain.models import Entry, EventAction, NewEvent, Playlist
from bot.domain.permissions import Actor, require_manage
from bot.domain.ports.shares import Share, SharePrivacy, new_token
from bot.domain.ports.storage import PlaylistStats, Storage
from bot.domain.services.playlists import PlaylistService

type Listener = Callable[[int, str | None], None]
"""Told (guild id, token) when a page changed or went, (guild id, None) when every page of the guild did."""

MANAGE_SERVER_ONLY = "Only members with the Manage Server permission can change what share pages show."


@dataclass(frozen=True)
class ShareState:
    playlist: Playlist
    share: Share | None  # None: the page is off
    changed: bool  # False: it already was so
    url: str | None  # the page's address when on and the web server has a public URL


@dataclass(frozen=True)
class SharePage:
    """Everything a public page shows, read from the store in one go."""

    share: Share
    playlist: Playlist
    stats: PlaylistStats
    entries: list[Entry]
    privacy: SharePrivacy


class ShareService:
    def __init__(
        self,
        storage: Storage,
        playlists: PlaylistService,
        *,
        clock: Clock,
        public_url: str | None = None,
        max_tracks: int = 10_000,
    ) -> None:
        self._store = storage
        self._shares = storage.shares
        self._playlists = playlists
        self._clock = clock
        self.public_url = public_url.rstrip("/") if public_url else None
        self._max_tracks = max_tracks
        self.listeners: list[Listener] = []  # e.g. the web server's cache, evicted at once

    def url(self, token: str) -> str | None:
        return f"{self.public_url}/s/{token}" if self.public_url else None

    async def state(self, guild_id: int, playlist: Playlist) -> ShareState:
        share = await self._shares.get(guild_id, playlist.id)
        return ShareState(playlist, share, False, self.url(share.token) if share else None)

    async def turn(self, actor: Actor, name: str, *, on: bool, indexable: bool | None = None) -> ShareState:
        """Turn the named playlist's page on (optionally choosing indexing) or off. Owner or managers only."""
        playlist = await self._playlists.get(actor.guild_id, name)
        require_manage(actor, playlist)
        current = await self._shares.get(actor.guild_id, playlist.id)
        now = self._clock.now()
        if not on:
            if current is None:
                return ShareState(playlist, None, False, None)
            event = self._event(actor, playlist, "turned the public page off", change="off")
            gone = await self._shares.revoke(actor.guild_id, playlist.id, at=now, event=event)
            self._notify(actor.guild_id, current.token)
            return ShareState(playlist, None, gone is not None, None)
        if current is not None:
            if indexable is None or indexable == current.indexable:
                return ShareState(playlist, current, False, self.url(current.token))
            summary = "let search engines index the public page" if indexable else "hid the public page from search"
            event = self._event(actor, playlist, summary, change="indexable", old=current.indexable)
            share = await self._shares.set_indexable(actor.guild_id, playlist.id, indexable, at=now, event=event)
            self._notify(actor.guild_id, share.token)
            return ShareState(playlist, share, True, self.url(share.token))
        share = Share(
            token=new_token(),
            guild_id=actor.guild_id,
            playlist_id=playlist.id,
            created_by=actor.user_id,
            created_at=now,
            indexable=bool(indexable),
        )
        event = self._event(actor, playlist, "turned the public page on", change="on")
        try:
            share = await self._shares.create(share, at=now, event=event)
        except Conflict:  # turned on meanwhile by someone else: theirs is the page
            raced = await self._shares.get(actor.guild_id, playlist.id)
            return ShareState(playlist, raced, False, self.url(raced.token) if raced else None)
        return ShareState(playlist, share, True, self.url(share.token))

    async def privacy(self, guild_id: int) -> SharePrivacy:
        return await self._shares.privacy(guild_id)

    async def set_privacy(
        self, actor: Actor, *, server_name: bool | None = None, member_names: bool | None = None
    ) -> SharePrivacy:
        if not actor.manage_guild:
            raise Forbidden(MANAGE_SERVER_ONLY)
        done = await self._shares.set_privacy(actor.guild_id, server_name=server_name, member_names=member_names)
        self._notify(actor.guild_id, None)
        return done

    async def page(self, token: str) -> SharePage | None:
        """The page behind a token; None when the token is unknown, revoked, or its playlist is in the trash (one
        store read in each of those cases, so they cost the same)."""
        found = await self._shares.by_token(token if _plausible(token) else "-")
        if found is None or found[1].deleted_at is not None:
            return None
        share, playlist = found
        stats, entries = await self._store.entries.view(
            playlist.guild_id, playlist.id, offset=0, limit=self._max_tracks
        )
        privacy = await self._shares.privacy(playlist.guild_id)
        return SharePage(share, playlist, stats, entries, privacy)

    async def unchanged(self, token: str, page: SharePage) -> bool:
        """Whether `page` is still what the token shows, by two single-row reads (no tracks): the share and its
        playlist (whose revision moves with every change to it or its share) and the server's page privacy."""
        found = await self._shares.by_token(token)
        if found is None or found != (page.share, page.playlist) or found[1].deleted_at is not None:
            return False
        return await self._shares.privacy(page.playlist.guild_id) == page.privacy

    def _notify(self, guild_id: int, token: str | None) -> None:
        for listener in self.listeners:
            listener(guild_id, token)

    def _event(self, actor: Actor, playlist: Playlist, summary: str, **data: object) -> NewEvent:
        return NewEvent(
            guild_id=actor.guild_id,
            playlist_id=playlist.id,
            actor_id=actor.user_id,
            action=EventAction.SHARE,
            summary=summary,
            data=dict(data),
            at=self._clock.now(),
        )


def _plausible(token: str) -> bool:
    """Short enough to be one of ours (a longer string is never one, and looks up "-" instead: the same work)."""
    return 0 < len(token) <= 64
