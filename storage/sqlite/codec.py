"""Rows <-> models for the SQLite playlist tables."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only

from __future__ import annotations

import json
import sqlite3

from bot.domain.models import Entry, Playlist, PlaylistMode, Track
from storage.sqlite.db import from_iso, from_iso_opt, iso

P_COLS = (
    "id, guild_id, name, name_key, description, owner_id, mode, collaborator_user_ids, collaborator_role_ids,"
    " track_count, revision, created_at, updated_at, deleted_at"
)
E_COLS = (
    "id, playlist_id, guild_id, order_key, artist, title, album, duration_s, mbid, url, norm_key, added_by, added_at"
)


def playlist_from_row(row: sqlite3.Row) -> Playlist:
    return Playlist(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        name_key=row["name_key"],
        description=row["description"],
        owner_id=row["owner_id"],
        mode=PlaylistMode(row["mode"]),
        collaborator_user_ids=tuple(json.loads(row["collaborator_user_ids"])),
        collaborator_role_ids=tuple(json.loads(row["collaborator_role_ids"])),
        track_count=row["track_count"],
        revision=row["revision"],
        created_at=from_iso(row["created_at"]),
        updated_at=from_iso(row["updated_at"]),
        deleted_at=from_iso_opt(row["deleted_at"]),
    )


def track_from_row(row: sqlite3.Row) -> Track:
    """The track columns every table that holds a track has (entries, round submissions)."""
    return Track(
        artist=row["artist"],
        title=row["title"],
        album=row["album"],
        duration_s=row["duration_s"],
        mbid=row["mbid"],
        url=row["url"],
    )


def entry_from_row(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"],
        playlist_id=row["playlist_id"],
        guild_id=row["guild_id"],
        order_key=row["order_key"],
        track=track_from_row(row),
        norm_key=row["norm_key"],
        added_by=row["added_by"],
        added_at=from_iso(row["added_at"]),
    )


def entry_params(e: Entry) -> tuple[object, ...]:
    t = e.track
    return (
        e.id,
        e.playlist_id,
        e.guild_id,
        e.order_key,
        t.artist,
        t.title,
        t.album,
        t.duration_s,
        t.mbid,
        t.url,
        e.norm_key,
        e.added_by,
        iso(e.added_at),
    )


INSERT_ENTRY = f"INSERT INTO entries ({E_COLS}) VALUES ({', '.join('?' * 13)})"
