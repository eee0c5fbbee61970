"""RoundRepository on SQLite. Each rule-bearing write is ONE `BEGIN IMMEDIATE` transaction on the writer thread,
and SQLite runs one writer at a time: a submit reads the round's phase, the member's count and the normalized key,
appends the playlist entry with its event and records the submission, all before the next write starts; a vote
and a phase change (`UPDATE ... WHERE phase = ? RETURNING`) likewise."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import builtins
import sqlite3
from datetime import datetime

from bot.domain.models import Entry, NewEntry
from bot.domain.ports.rounds import EntriesEvent
from bot.domain.rounds import rules
from bot.domain.rounds.models import NewRound, NewSubmission, Phase, Round, Submission
from storage.common import appended, new_id, playlist_full, playlist_missing
from storage.sqlite.codec import INSERT_ENTRY, entry_params, track_from_row
from storage.sqlite.db import SqliteDatabase, fetch_all, fetch_one, from_iso, from_iso_opt, iso
from storage.sqlite.events import record_for

R_COLS = (
    "id, guild_id, playlist_id, theme, per_member, votes_per_member, anonymous, reorder, channel_id, message_id,"
    " phase, created_by, created_at, closes_at, voting_s, voting_ends_at, next_at, closed_at, revealed_at,"
    " announced_phase"
)
S_COLS = (
    "s.id, s.round_id, s.guild_id, s.entry_id, s.member_id, s.artist, s.title, s.album, s.duration_s, s.mbid, s.url,"
    " s.norm_key, s.submitted_at"
)
ACTIVE = "('open', 'voting')"


def round_from_row(row: sqlite3.Row) -> Round:
    return Round(
        id=row["id"],
        guild_id=row["guild_id"],
        playlist_id=row["playlist_id"],
        theme=row["theme"],
        per_member=row["per_member"],
        votes_per_member=row["votes_per_member"],
        anonymous=bool(row["anonymous"]),
        reorder=bool(row["reorder"]),
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        phase=Phase(row["phase"]),
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),
        closes_at=from_iso_opt(row["closes_at"]),
        voting_s=row["voting_s"],
        voting_ends_at=from_iso_opt(row["voting_ends_at"]),
        next_at=from_iso_opt(row["next_at"]),
        closed_at=from_iso_opt(row["closed_at"]),
        revealed_at=from_iso_opt(row["revealed_at"]),
        announced_phase=Phase(row["announced_phase"]) if row["announced_phase"] else None,
    )


def submission_from_row(row: sqlite3.Row) -> Submission:
    return Submission(
        id=row["id"],
        round_id=row["round_id"],
        guild_id=row["guild_id"],
        entry_id=row["entry_id"],
        member_id=row["member_id"],
        track=track_from_row(row),
        norm_key=row["norm_key"],
        submitted_at=from_iso(row["submitted_at"]),
        votes=row["votes"] if "votes" in row.keys() else 0,  # noqa: SIM118 - sqlite3.Row has keys(), not __contains__
    )


class SqliteRounds:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def create(self, new: NewRound) -> Round:
        def tx(conn: sqlite3.Connection) -> Round:
            if fetch_one(conn, f"SELECT 1 FROM rounds WHERE playlist_id = ? AND phase IN {ACTIVE}", (new.playlist_id,)):
                raise rules.already_running()
            row = fetch_one(
                conn,
                f"INSERT INTO rounds ({R_COLS}) VALUES ({', '.join('?' * 20)}) RETURNING {R_COLS}",
                (
                    new_id(),
                    new.guild_id,
                    new.playlist_id,
                    new.theme,
                    new.per_member,
                    new.votes_per_member,
                    int(new.anonymous),
                    int(new.reorder),
                    new.channel_id,
                    None,
                    Phase.OPEN.value,
                    new.created_by,
                    iso(new.created_at),
                    iso(new.closes_at) if new.closes_at else None,
                    new.voting_s,
                    None,
                    iso(new.closes_at) if new.closes_at else None,
                    None,
                    None,
                    None,
                ),
            )
            assert row is not None
            return round_from_row(row)

        return await self._db.transact(tx)

    async def get(self, guild_id: int, round_id: str) -> Round | None:
        row = await self._db.row(f"SELECT {R_COLS} FROM rounds WHERE id = ? AND guild_id = ?", (round_id, guild_id))
        return None if row is None else round_from_row(row)

    async def active_for(self, guild_id: int, playlist_id: str) -> Round | None:
        row = await self._db.row(
            f"SELECT {R_COLS} FROM rounds WHERE playlist_id = ? AND guild_id = ? AND phase IN {ACTIVE}",
            (playlist_id, guild_id),
        )
        return None if row is None else round_from_row(row)

    async def list_active(self, guild_id: int) -> builtins.list[Round]:
        rows = await self._db.rows(
            f"SELECT {R_COLS} FROM rounds WHERE guild_id = ? AND phase IN {ACTIVE} ORDER BY created_at, id",
            (guild_id,),
        )
        return [round_from_row(r) for r in rows]

    async def set_message(self, guild_id: int, round_id: str, message_id: int) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE rounds SET message_id = ?, announced_phase = 'open' WHERE id = ? AND guild_id = ?",
                (message_id, round_id, guild_id),
            )

        await self._db.transact(tx)

    async def announced(self, guild_id: int, round_id: str, phase: Phase) -> None:
        def tx(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE rounds SET announced_phase = phase WHERE id = ? AND guild_id = ? AND phase = ?",
                (round_id, guild_id, phase.value),
            )

        await self._db.transact(tx)

    async def unannounced(self, *, limit: int) -> builtins.list[Round]:
        rows = await self._db.rows(
            f"SELECT {R_COLS} FROM rounds WHERE message_id IS NOT NULL AND announced_phase IS NOT phase"
            " ORDER BY created_at, id LIMIT ?",
            (limit,),
        )
        return [round_from_row(r) for r in rows]

    async def submit(
        self,
        guild_id: int,
        round_id: str,
        new: NewSubmission,
        *,
        max_tracks: int,
        event: EntriesEvent | None = None,
    ) -> Submission:
        def tx(conn: sqlite3.Connection) -> Submission:
            found = fetch_one(
                conn, "SELECT playlist_id, phase, per_member FROM rounds WHERE id = ? AND guild_id = ?",
                (round_id, guild_id),
            )  # fmt: skip
            if found is None:
                raise rules.round_missing()
            if found["phase"] != Phase.OPEN.value:
                raise rules.not_open()
            taken = fetch_one(
                conn, "SELECT member_id FROM round_submissions WHERE round_id = ? AND norm_key = ?",
                (round_id, new.norm_key),
            )  # fmt: skip
            if taken is not None:
                raise rules.already_submitted(new.track, yours=taken[0] == new.member_id)
            mine = fetch_one(
                conn, "SELECT COUNT(*) FROM round_submissions WHERE round_id = ? AND member_id = ?",
                (round_id, new.member_id),
            )  # fmt: skip
            if mine is not None and mine[0] >= found["per_member"]:
                raise rules.quota_reached(found["per_member"])
            entry = _append(conn, guild_id, found["playlist_id"], new, max_tracks=max_tracks, event=event)
            row = fetch_one(
                conn,
                "INSERT INTO round_submissions (id, round_id, guild_id, entry_id, member_id, artist, title, album,"
                " duration_s, mbid, url, norm_key, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                f" RETURNING {S_COLS.replace('s.', '')}",
                (
                    new_id(),
                    round_id,
                    guild_id,
                    entry.id,
                    new.member_id,
                    new.track.artist,
                    new.track.title,
                    new.track.album,
                    new.track.duration_s,
                    new.track.mbid,
                    new.track.url,
                    new.norm_key,
                    iso(new.submitted_at),
                ),
            )
            assert row is not None
            return submission_from_row(row)

        return await self._db.transact(tx)

    async def submissions(self, guild_id: int, round_id: str) -> builtins.list[Submission]:
        rows = await self._db.rows(
            f"SELECT {S_COLS}, (SELECT COUNT(*) FROM round_votes v WHERE v.submission_id = s.id) AS votes"
            " FROM round_submissions s WHERE s.round_id = ? AND s.guild_id = ? ORDER BY s.submitted_at, s.id",
            (round_id, guild_id),
        )
        return [submission_from_row(r) for r in rows]

    async def vote(
        self, guild_id: int, round_id: str, submission_id: str, member_id: int, *, on: bool, limit: int
    ) -> int:
        def tx(conn: sqlite3.Connection) -> int:
            found = fetch_one(conn, "SELECT phase FROM rounds WHERE id = ? AND guild_id = ?", (round_id, guild_id))
            if found is None:
                raise rules.round_missing()
            if found["phase"] != Phase.VOTING.value:
                raise rules.not_voting()
            target = fetch_one(
                conn, "SELECT member_id FROM round_submissions WHERE id = ? AND round_id = ?", (submission_id, round_id)
            )
            if target is None:
                raise rules.submission_missing()
            key = (round_id, member_id, submission_id)
            if not on:
                conn.execute("DELETE FROM round_votes WHERE round_id = ? AND member_id = ? AND submission_id = ?", key)
                return _count(conn, round_id, member_id)
            if target["member_id"] == member_id:
                raise rules.own_track()
            if fetch_one(
                conn, "SELECT 1 FROM round_votes WHERE round_id = ? AND member_id = ? AND submission_id = ?", key
            ):
                return _count(conn, round_id, member_id)
            if _count(conn, round_id, member_id) >= limit:
                raise rules.vote_limit(limit)
            conn.execute("INSERT INTO round_votes (round_id, member_id, submission_id) VALUES (?, ?, ?)", key)
            return _count(conn, round_id, member_id)

        return await self._db.transact(tx)

    async def votes_of(self, guild_id: int, round_id: str, member_id: int) -> builtins.set[str]:
        rows = await self._db.rows(
            "SELECT v.submission_id FROM round_votes v JOIN rounds r ON r.id = v.round_id"
            " WHERE v.round_id = ? AND r.guild_id = ? AND v.member_id = ?",
            (round_id, guild_id, member_id),
        )
        return {r[0] for r in rows}

    async def voters(self, guild_id: int, round_id: str) -> int:
        row = await self._db.row(
            "SELECT COUNT(DISTINCT v.member_id) FROM round_votes v JOIN rounds r ON r.id = v.round_id"
            " WHERE v.round_id = ? AND r.guild_id = ?",
            (round_id, guild_id),
        )
        return int(row[0]) if row else 0

    async def transition(
        self,
        guild_id: int,
        round_id: str,
        *,
        expect: Phase,
        to: Phase,
        at: datetime,
        next_at: datetime | None,
        voting_ends_at: datetime | None = None,
    ) -> Round | None:
        stamp = {Phase.VOTING: "closed_at", Phase.REVEALED: "revealed_at"}.get(to, "closed_at")
        sql = (
            f"UPDATE rounds SET phase = :to, next_at = :next, {stamp} = coalesce({stamp}, :at),"
            " voting_ends_at = coalesce(:ends, voting_ends_at)"
            f" WHERE id = :id AND guild_id = :g AND phase = :expect RETURNING {R_COLS}"
        )
        params = {
            "to": to.value,
            "next": iso(next_at) if next_at else None,
            "at": iso(at),
            "ends": iso(voting_ends_at) if voting_ends_at else None,
            "id": round_id,
            "g": guild_id,
            "expect": expect.value,
        }

        def tx(conn: sqlite3.Connection) -> Round | None:
            row = fetch_one(conn, sql, params)
            return None if row is None else round_from_row(row)

        return await self._db.transact(tx)

    async def due(self, *, now: datetime, limit: int) -> builtins.list[Round]:
        rows = await self._db.rows(
            f"SELECT {R_COLS} FROM rounds WHERE next_at IS NOT NULL AND next_at <= ? AND phase IN {ACTIVE}"
            " ORDER BY next_at, id LIMIT ?",
            (iso(now), limit),
        )
        return [round_from_row(r) for r in rows]

    async def withdraw(self, guild_id: int, playlist_id: str, entry_ids: builtins.list[str]) -> int:
        if not entry_ids:
            return 0
        marks = ", ".join("?" * len(entry_ids))
        sql = (
            f"DELETE FROM round_submissions WHERE guild_id = ? AND entry_id IN ({marks}) AND round_id IN"
            " (SELECT id FROM rounds WHERE playlist_id = ? AND guild_id = ? AND phase = 'open') RETURNING id"
        )
        params = (guild_id, *entry_ids, playlist_id, guild_id)
        return len(await self._db.transact(lambda conn: fetch_all(conn, sql, params)))

    async def repair(self, *, older_than: datetime) -> int:
        return 0  # a submit is one transaction: it never stops half-way

    async def forget_user(self, user_id: int) -> int:
        def tx(conn: sqlite3.Connection) -> int:
            unrevealed = f"round_id IN (SELECT id FROM rounds WHERE phase IN {ACTIVE})"
            gone = fetch_all(
                conn, f"DELETE FROM round_votes WHERE member_id = ? AND {unrevealed} RETURNING 1", (user_id,)
            )
            kept = fetch_all(conn, "UPDATE round_votes SET member_id = 0 WHERE member_id = ? RETURNING 1", (user_id,))
            subs = fetch_all(
                conn, "UPDATE round_submissions SET member_id = 0 WHERE member_id = ? RETURNING 1", (user_id,)
            )
            conn.execute("UPDATE rounds SET created_by = 0 WHERE created_by = ?", (user_id,))
            return len(gone) + len(kept) + len(subs)

        return await self._db.transact(tx)

    async def delete_guild(self, guild_id: int) -> int:
        def tx(conn: sqlite3.Connection) -> int:
            conn.execute(
                "DELETE FROM round_votes WHERE round_id IN (SELECT id FROM rounds WHERE guild_id = ?)", (guild_id,)
            )
            conn.execute("DELETE FROM round_submissions WHERE guild_id = ?", (guild_id,))
            return len(fetch_all(conn, "DELETE FROM rounds WHERE guild_id = ? RETURNING id", (guild_id,)))

        return await self._db.transact(tx)


def _count(conn: sqlite3.Connection, round_id: str, member_id: int) -> int:
    row = fetch_one(
        conn, "SELECT COUNT(*) FROM round_votes WHERE round_id = ? AND member_id = ?", (round_id, member_id)
    )
    return int(row[0]) if row else 0


def _append(
    conn: sqlite3.Connection,
    guild_id: int,
    playlist_id: str,
    new: NewSubmission,
    *,
    max_tracks: int,
    event: EntriesEvent | None,
) -> Entry:
    """The playlist entry of a submission, in the submission's transaction (as SqliteEntries.append does)."""
    row = fetch_one(
        conn,
        "UPDATE playlists SET track_count = track_count + 1, seq = seq + 1, revision = revision + 1, updated_at = ?"
        " WHERE id = ? AND guild_id = ? AND deleted_at IS NULL AND track_count + 1 <= ? RETURNING seq",
        (iso(new.submitted_at), playlist_id, guild_id, max_tracks),
    )
    if row is None:
        live = fetch_one(
            conn,
            "SELECT 1 FROM playlists WHERE id = ? AND guild_id = ? AND deleted_at IS NULL",
            (playlist_id, guild_id),
        )
        raise playlist_full(max_tracks) if live else playlist_missing()
    entry = NewEntry(track=new.track, norm_key=new.norm_key, added_by=new.member_id, added_at=new.submitted_at)
    out = appended(guild_id, playlist_id, [entry], row["seq"])
    conn.executemany(INSERT_ENTRY, [entry_params(e) for e in out])
    return record_for(conn, out, event)[0]
