"""Who submitted what stays hidden in an anonymous round until its reveal: pure functions the playlist service
applies to what it shows (entries, totals, history) when the viewer is not a manager."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol

from bot.domain.models import Entry, Playlist, PlaylistEvent, Track
from bot.domain.permissions import Actor
from bot.domain.ports.storage import PlaylistStats
from bot.domain.rounds.models import HIDDEN_MEMBER, Phase, Round, Submission

Hidden = Mapping[str, int]  # entry id -> the member who submitted it (kept out of sight)


class PlaylistHooks(Protocol):
    """What the playlist service asks the rounds about (`PlaylistService.use_hooks`)."""

    async def hidden(self, guild_id: int, playlist_id: str | None) -> Hidden:
        """Entries whose adder is not to be shown (on one playlist, or on every playlist with None)."""
        ...

    async def route_add(self, actor: Actor, playlist: Playlist, tracks: Sequence[Track]) -> list[Entry] | None:
        """Add the tracks under the playlist's round rules, or None when no round runs on it."""
        ...

    async def removed(self, guild_id: int, playlist_id: str, entry_ids: list[str]) -> None:
        """Entries left the playlist (remove, undo of an add, dedupe): an open round withdraws their submissions."""
        ...

    async def refuse_bulk(self, playlist: Playlist) -> None:
        """Raise when tracks may not be added in bulk (an import) because a round runs on the playlist."""
        ...


def entries(found: Sequence[Entry], hidden: Hidden) -> list[Entry]:
    return [e.model_copy(update={"added_by": HIDDEN_MEMBER}) if e.id in hidden else e for e in found]


def stats(totals: PlaylistStats, hidden: Hidden) -> PlaylistStats:
    """Contributor counts without the hidden submissions, which show as one anonymous contributor."""
    if not hidden:
        return totals
    taken = Counter(hidden.values())
    left = [(uid, n - taken.get(uid, 0)) for uid, n in totals.contributors]
    kept = [(uid, n) for uid, n in left if n > 0]
    kept.append((HIDDEN_MEMBER, len(hidden)))
    kept.sort(key=lambda c: (-c[1], c[0]))
    return totals.model_copy(update={"contributors": tuple(kept)})


def events(found: Sequence[PlaylistEvent], hidden: Hidden) -> list[PlaylistEvent]:
    """Events that added a hidden submission show no actor."""
    if not hidden:
        return list(found)
    out = []
    for e in found:
        ids = e.data.get("entry_ids")
        touches = isinstance(ids, list) and any(isinstance(i, str) and i in hidden for i in ids)
        out.append(e.model_copy(update={"actor_id": HIDDEN_MEMBER}) if touches else e)
    return out


def submissions(r: Round, subs: Sequence[Submission], viewer: Actor | None) -> list[Submission]:
    """Submissions as `viewer` may see them: submitters hidden in an anonymous round until the reveal, except
    from managers."""
    if not r.anonymous or r.phase is Phase.REVEALED or (viewer is not None and viewer.is_manager):
        return list(subs)
    return [
        s if viewer is not None and s.member_id == viewer.user_id else s.model_copy(update={"member_id": HIDDEN_MEMBER})
        for s in subs
    ]
