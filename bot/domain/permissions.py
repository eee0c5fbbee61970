"""Who may do what to a playlist. Pure functions of the actor and the playlist; the service calls them on every
write."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.errors import Forbidden
from bot.domain.models import Playlist, PlaylistMode
from bot.domain.text import quoted


@dataclass(frozen=True)
class Actor:
    """A member acting in one guild. `manage_guild` is Discord's Manage Server permission (or Administrator);
    `manager_role_ids` are the guild's configured Sharify manager roles."""

    guild_id: int
    user_id: int
    role_ids: frozenset[int] = field(default_factory=frozenset)
    manage_guild: bool = False
    manager_role_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_manager(self) -> bool:
        return self.manage_guild or bool(self.role_ids & self.manager_role_ids)


def can_edit_tracks(actor: Actor, playlist: Playlist) -> bool:
    if actor.is_manager or actor.user_id == playlist.owner_id:
        return True
    match playlist.mode:
        case PlaylistMode.OPEN:
            return True
        case PlaylistMode.COLLABORATIVE:
            return actor.user_id in playlist.collaborator_user_ids or bool(
                actor.role_ids & set(playlist.collaborator_role_ids)
            )
        case PlaylistMode.LOCKED:
            return False


def can_manage(actor: Actor, playlist: Playlist) -> bool:
    """Rename, describe, change mode or collaborators, delete and restore: the owner and managers."""
    return actor.is_manager or actor.user_id == playlist.owner_id


def require_edit(actor: Actor, playlist: Playlist) -> None:
    if not can_edit_tracks(actor, playlist):
        who = {
            PlaylistMode.COLLABORATIVE: "its owner, its collaborators and server managers",
            PlaylistMode.LOCKED: "its owner and server managers",
        }.get(playlist.mode, "its owner")
        raise Forbidden(f"{quoted(playlist.name)} is {playlist.mode.value}: only {who} can change its tracks.")


def require_manage(actor: Actor, playlist: Playlist) -> None:
    if not can_manage(actor, playlist):
        raise Forbidden(f"Only the owner of {quoted(playlist.name)} and server managers can do that.")
