"""Aggregate reads of a playlist's entries on SQLite: totals for a page view and substring search with
positions, computed in SQL so a 10,000-track playlist is never loaded to show ten of them."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

from bot.domain.models import Entry
from bot.domain.ports.storage import PlaylistStats
from storage.sqlite.db import SqliteDatabase
from storage.sqlite.rows import E_COLS, entry_from_row

SCOPE = "playlist_id = ? AND guild_id = ?"


async def stats(db: SqliteDatabase, guild_id: int, playlist_id: str) -> PlaylistStats:
    totals = await db.row(
        "SELECT COUNT(*), COALESCE(SUM(duration_s), 0), COALESCE(SUM(COALESCE(duration_s, 0) <= 0), 0)"
        f" FROM entries WHERE {SCOPE}",
        (playlist_id, guild_id),
    )
    people = await db.rows(
        f"SELECT added_by, COUNT(*) AS n FROM entries WHERE {SCOPE} GROUP BY added_by ORDER BY n DESC, added_by",
        (playlist_id, guild_id),
    )
    assert totals is not None  # an aggregate always returns one row
    return PlaylistStats(
        total=totals[0],
        total_duration_s=totals[1],
        unknown_durations=totals[2],
        contributors=tuple((r[0], r[1]) for r in people),
    )


async def find_entries(
    db: SqliteDatabase, guild_id: int, playlist_id: str, needle: str, *, limit: int
) -> list[tuple[int, Entry]]:
    rows = await db.rows(
        f"SELECT * FROM (SELECT ROW_NUMBER() OVER (ORDER BY order_key) AS position, {E_COLS} FROM entries"
        f" WHERE {SCOPE}) WHERE instr(casefold(artist || ' - ' || title), ?) > 0 ORDER BY position LIMIT ?",
        (playlist_id, guild_id, needle.casefold(), limit),
    )
    return [(int(r["position"]), entry_from_row(r)) for r in rows]


async def duplicates(db: SqliteDatabase, guild_id: int, playlist_id: str) -> list[Entry]:
    rows = await db.rows(
        f"SELECT * FROM (SELECT ROW_NUMBER() OVER (PARTITION BY norm_key ORDER BY order_key) AS nth, {E_COLS}"
        f" FROM entries WHERE {SCOPE}) WHERE nth > 1 ORDER BY order_key",
        (playlist_id, guild_id),
    )
    return [entry_from_row(r) for r in rows]
