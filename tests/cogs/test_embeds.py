"""Embed builders are pure: they are checked here against Discord's limits without any network."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from bot.domain.models import Entry, EventAction, Playlist, PlaylistEvent, PlaylistMode, Track
from bot.domain.services.playlists import PlaylistPage
from bot.sandbox.discord_sim.markdown import entities
from cogs.common import duration, long_duration, safe
from cogs.playlists import embeds

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def embed_chars(e: discord.Embed) -> int:
    d = e.to_dict()
    total = len(d.get("title", "")) + len(d.get("description", "")) + len(d.get("footer", {}).get("text", ""))
    return total + sum(len(f["name"]) + len(f["value"]) for f in d.get("fields", []))


def check_limits(e: discord.Embed) -> None:
    d = e.to_dict()
    assert len(d.get("title", "")) <= 256
    assert len(d.get("description", "")) <= 4096
    assert len(d.get("fields", [])) <= 25
    for f in d.get("fields", []):
        assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"]) <= 1024
    assert embed_chars(e) <= 6000


def playlist(name: str = "chill", description: str = "", **kw: object) -> Playlist:
    return Playlist(
        id="p1",
        guild_id=1,
        name=name,
        name_key=name.casefold(),
        description=description,
        owner_id=7,
        created_at=NOW,
        updated_at=NOW,
        **kw,  # type: ignore[arg-type]
    )


def entry(n: int, artist: str = "Artist", title: str | None = None, added_by: int = 7) -> Entry:
    track = Track(artist=artist, title=title or f"Title {n}", duration_s=200 + n)
    return Entry(
        id=f"e{n}",
        playlist_id="p1",
        guild_id=1,
        order_key=f"{n:010d}",
        track=track,
        norm_key="k",
        added_by=added_by,
        added_at=NOW,
    )


def test_page_shows_positions_durations_and_footer():
    entries = [(11 + i, entry(i)) for i in range(10)]
    page = PlaylistPage(
        playlist=playlist(description="late night"),
        entries=entries,
        page=2,
        pages=3,
        total=25,
        total_duration_s=3725,
        unknown_durations=2,
        contributors=[(7, 20), (8, 5)],
    )
    e = embeds.playlist_page(page)
    d = e.to_dict()
    assert "late night" in d["description"]
    assert "` 11.` **Artist** — Title 0 `3:20`" in d["description"]
    assert d["footer"]["text"].startswith("Page 2/3")
    fields = {f["name"]: f["value"] for f in d["fields"]}
    assert fields["Tracks"] == "25"
    assert fields["Duration"] == "1 h 02 min (+2 of unknown length)"
    assert fields["Contributors"] == "<@7> (20), <@8> (5)"
    check_limits(e)


def test_page_with_huge_text_stays_within_discords_limits():
    long = "x" * 500
    entries = [(i, entry(i, artist=long, title=long)) for i in range(1, 11)]
    page = PlaylistPage(
        playlist=playlist(name="n" * 100, description="d" * 300),
        entries=entries,
        page=1,
        pages=1,
        total=10,
        total_duration_s=0,
        unknown_durations=10,
        contributors=[(10**18 + i, 1) for i in range(200)],
    )
    check_limits(embeds.playlist_page(page))


def test_user_text_is_markdown_escaped_and_mentions_defused():
    page = PlaylistPage(
        playlist=playlist(name="**bold** @everyone"),
        entries=[(1, entry(1, artist="_under_", title="`code`"))],
        page=1,
        pages=1,
        total=1,
        total_duration_s=1,
        unknown_durations=0,
        contributors=[],
    )
    d = embeds.playlist_page(page).to_dict()
    assert "\\*\\*bold\\*\\*" in d["title"]
    assert "\\@everyone" in d["title"] and entities(d["title"]) == []  # escaped: shown as typed, never a pill
    assert "\\_under\\_" in d["description"] and "\\`code\\`" in d["description"]


def test_empty_states():
    empty = PlaylistPage(
        playlist=playlist(),
        entries=[],
        page=1,
        pages=1,
        total=0,
        total_duration_s=0,
        unknown_durations=0,
        contributors=[],
    )
    assert "No tracks yet" in embeds.playlist_page(empty).to_dict()["description"]
    assert "No playlists yet" in embeds.playlist_list([], trash=False).to_dict()["description"]
    assert "trash is empty" in embeds.playlist_list([], trash=True).to_dict()["description"]


def test_list_of_many_playlists_is_cut_to_fit():
    many = [playlist(name=f"{'p' * 90}{i}", track_count=i, mode=PlaylistMode.LOCKED) for i in range(200)]
    e = embeds.playlist_list(many, trash=False)
    check_limits(e)
    assert e.to_dict()["footer"]["text"] == "200 playlist(s)"


def test_history_strikes_through_undone_changes():
    events = [
        PlaylistEvent(
            id="1",
            guild_id=1,
            playlist_id="p1",
            actor_id=7,
            action=EventAction.ADD,
            summary="added A - B",
            at=NOW,
            undone=True,
        ),
        PlaylistEvent(
            id="2",
            guild_id=1,
            playlist_id="p1",
            actor_id=8,
            action=EventAction.CREATE,
            summary='created "chill"',
            at=NOW,
        ),
    ]
    d = embeds.history(events, playlist="chill").to_dict()
    assert "~~added A - B~~" in d["description"]
    assert '<@8> created "chill"' in d["description"]


def test_formatting_helpers():
    assert duration(None) == "?:??" and duration(0) == "?:??"
    assert duration(65) == "1:05" and duration(3725) == "1:02:05"
    assert long_duration(59 * 60) == "59 min"
    assert safe("<@&123456789012345678> hi", 8).endswith("…") and len(safe("x" * 50, 8)) == 8


def test_titles_link_to_the_lastfm_page_sharify_builds_never_to_an_upstream_url():
    good = entry(1).model_copy(update={"track": Track(artist="A", title="B", url="https://www.last.fm/music/A/_/B")})
    odd = entry(2).model_copy(update={"track": Track(artist="C", title="D", url="https://x/(evil)[x]")})
    page = PlaylistPage(
        playlist=playlist(),
        entries=[(1, good), (2, odd)],
        page=1,
        pages=1,
        total=2,
        total_duration_s=0,
        unknown_durations=2,
        contributors=[],
    )
    text = embeds.playlist_page(page).to_dict()["description"]
    assert "**A** — [B](https://www.last.fm/music/A/_/B)" in text
    assert "**C** — [D](https://www.last.fm/music/C/_/D) `" in text and "evil" not in text
