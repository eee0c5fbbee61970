"""The share port: a playlist's public page (its unguessable token) and the server's choices about what a page
shows. `storage/sqlite/shares.py` and `storage/mongo/shares.py` implement it.

A share exists while the page is on; turning it off deletes it, so the token can never come back. A page's token
is found by `by_token` with the same work whether it is unknown, revoked or its playlist is in the trash.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Protocol

from bot.domain.models import Frozen, NewEvent, Playlist

TOKEN_BYTES = 24  # 192 bits from the OS's CSPRNG, 32 URL-safe characters


def new_token() -> str:
    """A page token: unguessable, and never derived from a playlist, server or member id."""
    return secrets.token_urlsafe(TOKEN_BYTES)


class Share(Frozen):
    token: str
    guild_id: int
    playlist_id: str
    created_by: int
    created_at: datetime
    indexable: bool = False  # the owner asked search engines to index the page (noindex otherwise)


class SharePrivacy(Frozen):
    """What the server allows a public page to show (both off by default)."""

    guild_id: int
    server_name: bool = False  # the server's name
    member_names: bool = False  # contributors by display name (else "a member")


class ShareRepository(Protocol):
    async def get(self, guild_id: int, playlist_id: str) -> Share | None:
        """The playlist's share while its page is on."""
        ...

    async def by_token(self, token: str) -> tuple[Share, Playlist] | None:
        """The share and its playlist (live or trashed: the caller decides); None for an unknown token. Does the
        same reads whether the token is known or not."""
        ...

    async def create(self, share: Share, *, at: datetime, event: NewEvent | None = None) -> Share:
        """Turn the page on. NotFound if the playlist is not live; Conflict if it already has a share."""
        ...

    async def set_indexable(
        self, guild_id: int, playlist_id: str, indexable: bool, *, at: datetime, event: NewEvent | None = None
    ) -> Share:
        """Change whether the page may be indexed. NotFound if the playlist is not live or has no share."""
        ...

    async def revoke(
        self, guild_id: int, playlist_id: str, *, at: datetime, event: NewEvent | None = None
    ) -> Share | None:
        """Turn the page off: the share is deleted with its token. None (and no event) if there was none.
        NotFound if the playlist is not live."""
        ...

    async def privacy(self, guild_id: int) -> SharePrivacy: ...

    async def set_privacy(
        self, guild_id: int, *, server_name: bool | None = None, member_names: bool | None = None
    ) -> SharePrivacy:
        """Change the given settings (None: unchanged)."""
        ...
