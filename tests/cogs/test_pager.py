"""The pager's buttons are pure functions of a page: checked here without a network."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.domain.models import Playlist
from bot.domain.services.playlists import Limits, PlaylistPage, PlaylistService
from cogs.playlists.views import TEMPLATE, PageButton, targets
from storage.common import new_id

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def page_of(page: int, pages: int, playlist_id: str | None = None) -> PlaylistPage:
    playlist = Playlist(
        id=playlist_id or new_id(),
        guild_id=1,
        name="chill",
        name_key="chill",
        owner_id=7,
        created_at=NOW,
        updated_at=NOW,
    )
    return PlaylistPage(
        playlist=playlist,
        entries=[],
        page=page,
        pages=pages,
        total=pages * 10,
        total_duration_s=0,
        unknown_durations=0,
        contributors=[],
    )


def rendered(page: int, pages: int, playlist_id: str | None = None) -> list[dict[str, object]]:
    view = PageButton.row_for(page_of(page, pages, playlist_id))
    assert view is not None
    return [item.to_component_dict() for item in view.children]


def test_one_page_has_no_buttons() -> None:
    assert PageButton.row_for(page_of(1, 1)) is None


@pytest.mark.parametrize(("page", "pages"), [(1, 2), (2, 2), (1, 3), (2, 3), (3, 3), (500, 1000), (1000, 1000)])
def test_ids_are_unique_short_and_match_the_template(page: int, pages: int) -> None:
    buttons = rendered(page, pages)
    ids = [str(b["custom_id"]) for b in buttons]
    assert len(set(ids)) == 4, ids  # Discord rejects a message with two equal custom_ids
    assert all(len(i) <= 100 and re.fullmatch(TEMPLATE, i) for i in ids), ids
    assert [b["label"] for b in buttons] == ["First", "Prev", "Next", "Last"]


def test_buttons_lead_where_their_label_says_and_disable_at_the_ends() -> None:
    pid = new_id()
    first, prev, nxt, last = rendered(1, 3, pid)
    assert [b.get("disabled", False) for b in (first, prev, nxt, last)] == [True, True, False, False]
    assert nxt["custom_id"] == f"sharify:pg:{pid}:2:n" and last["custom_id"] == f"sharify:pg:{pid}:3:l"
    first, prev, nxt, last = rendered(3, 3, pid)
    assert [b.get("disabled", False) for b in (first, prev, nxt, last)] == [False, False, True, True]
    assert prev["custom_id"] == f"sharify:pg:{pid}:2:p" and first["custom_id"] == f"sharify:pg:{pid}:1:f"
    assert targets(2, 3) == {"f": (1, False), "p": (1, False), "n": (3, False), "l": (3, False)}


async def test_a_click_rebuilds_its_button_from_the_custom_id_alone() -> None:
    bound = PageButton.bound(PlaylistService.__new__(PlaylistService))
    pid = new_id()
    match = re.fullmatch(bound.__discord_ui_compiled_template__, f"sharify:pg:{pid}:7:p")
    assert match is not None
    item = await bound.from_custom_id(None, None, match)  # type: ignore[arg-type]
    assert (type(item), item.playlist_id, item.page, item.which) == (bound, pid, 7, "p")
    assert item.playlists is bound.playlists is not PageButton.playlists


def test_template_accepts_ids_from_both_stores() -> None:
    assert re.fullmatch(TEMPLATE, f"sharify:pg:{new_id()}:12:n")
    assert not re.fullmatch(TEMPLATE, "sharify:pg:not-an-id:1:n")
    assert not re.fullmatch(TEMPLATE, f"sharify:pg:{new_id()}:١:n")  # non-ASCII digits are not page numbers


def test_limits_default_keeps_pages_within_the_template() -> None:
    # the template bounds a page number to 7 digits; the largest playlist has far fewer pages
    assert Limits().max_tracks // 10 < 10**7
