"""ScheduleRepository on SQLite. The runner's claim is ONE conditional `UPDATE ... WHERE id IN (due, unleased)
... RETURNING` statement inside one `BEGIN IMMEDIATE` transaction: SQLite serializes writers, so two processes on
one file can never take the same schedule; finish, retry and release are guarded by the lease owner and the
occurrence (`next_run_at`) in their WHERE clause."""

# ruff: noqa: S608 - SQL text is assembled from this module's constants only; every value is a bound parameter

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.errors import Conflict
from bot.domain.schedules.models import NewSchedule, Outcome, Schedule
from storage.common import new_id, schedule_limit, schedule_missing
from storage.sqlite.db import SqliteDatabase, fetch_all, fetch_one, from_iso, from_iso_opt, iso

COLS = (
    "id, guild_id, channel_id, what, target, label, every, cron, timezone, created_by, created_at, next_run_at,"
    " paused, paused_reason, lease_owner, lease_until, attempts, failures, last_run_at, last_outcome, last_detail,"
    " last_message_id, save_as, keep, save_at, save_name, saved"
)
FREE = "(lease_until IS NULL OR lease_until <= :now)"


def schedule_from_row(row: sqlite3.Row) -> Schedule:
    return Schedule(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        what=row["what"],
        target=row["target"],
        label=row["label"],
        every=row["every"],
        cron=row["cron"],
        timezone=row["timezone"],
        created_by=row["created_by"],
        created_at=from_iso(row["created_at"]),
        next_run_at=from_iso(row["next_run_at"]),
        paused=bool(row["paused"]),
        paused_reason=row["paused_reason"],
        lease_owner=row["lease_owner"],
        lease_until=from_iso_opt(row["lease_until"]),
        attempts=row["attempts"],
        failures=row["failures"],
        last_run_at=from_iso_opt(row["last_run_at"]),
        last_outcome=Outcome(row["last_outcome"]) if row["last_outcome"] else None,
        last_detail=row["last_detail"],
        last_message_id=row["last_message_id"],
        save_as=row["save_as"],
        keep=row["keep"],
        save_at=from_iso_opt(row["save_at"]),
        save_name=row["save_name"],
        saved=tuple(json.loads(row["saved"])),
    )


class SqliteSchedules:
    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    async def create(self, new: NewSchedule, *, max_per_guild: int) -> Schedule:
        def tx(conn: sqlite3.Connection) -> Schedule:
            count = fetch_one(conn, "SELECT count(*) FROM schedules WHERE guild_id = ?", (new.guild_id,))
            if count is not None and count[0] >= max_per_guild:
                raise schedule_limit(max_per_guild)
            row = fetch_one(
                conn,
                "INSERT INTO schedules (id, guild_id, channel_id, what, target, label, every, cron, timezone,"
                " created_by, created_at, next_run_at, save_as, keep)"
                f" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLS}",
                (
                    new_id(),
                    new.guild_id,
                    new.channel_id,
                    new.what,
                    new.target,
                    new.label,
                    new.every.value,
                    new.cron,
                    new.timezone,
                    new.created_by,
                    iso(new.created_at),
                    iso(new.next_run_at),
                    new.save_as,
                    new.keep,
                ),
            )
            assert row is not None
            return schedule_from_row(row)

        return await self._db.transact(tx)

    async def get(self, guild_id: int, schedule_id: str) -> Schedule | None:
        row = await self._db.row(f"SELECT {COLS} FROM schedules WHERE id = ? AND guild_id = ?", (schedule_id, guild_id))
        return None if row is None else schedule_from_row(row)

    async def list(self, guild_id: int) -> builtins.list[Schedule]:
        rows = await self._db.rows(
            f"SELECT {COLS} FROM schedules WHERE guild_id = ? ORDER BY paused, next_run_at, id", (guild_id,)
        )
        return [schedule_from_row(r) for r in rows]

    async def delete(self, guild_id: int, schedule_id: str) -> bool:
        def tx(conn: sqlite3.Connection) -> bool:
            gone = fetch_one(
                conn, "DELETE FROM schedules WHERE id = ? AND guild_id = ? RETURNING id", (schedule_id, guild_id)
            )
            return gone is not None

        return await self._db.transact(tx)

    async def set_paused(
        self, guild_id: int, schedule_id: str, *, paused: bool, reason: str | None, next_run_at: datetime
    ) -> Schedule:
        sql = (
            "UPDATE schedules SET paused = :p, paused_reason = :r, next_run_at = :n, failures = 0, attempts = 0,"
            f" lease_owner = NULL, lease_until = NULL WHERE id = :id AND guild_id = :g RETURNING {COLS}"
        )
        params = {"p": int(paused), "r": reason, "n": iso(next_run_at), "id": schedule_id, "g": guild_id}
        return await self._one(sql, params)

    async def reschedule(self, guild_id: int, schedule_id: str, *, next_run_at: datetime) -> Schedule:
        now = iso(next_run_at)

        def tx(conn: sqlite3.Connection) -> Schedule:
            row = fetch_one(
                conn,
                f"UPDATE schedules SET next_run_at = :n, attempts = 0 WHERE id = :id AND guild_id = :g AND {FREE}"
                f" RETURNING {COLS}",
                {"n": now, "now": now, "id": schedule_id, "g": guild_id},
            )
            if row is None:
                exists = fetch_one(
                    conn, "SELECT 1 FROM schedules WHERE id = ? AND guild_id = ?", (schedule_id, guild_id)
                )
                raise schedule_missing() if exists is None else Conflict("That schedule is being posted right now.")
            return schedule_from_row(row)

        return await self._db.transact(tx)

    async def claim(self, *, now: datetime, owner: str, lease_until: datetime, limit: int) -> builtins.list[Schedule]:
        sql = (
            "UPDATE schedules SET lease_owner = :owner, lease_until = :until, attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM schedules WHERE paused = 0 AND next_run_at <= :now"
            f" AND {FREE} ORDER BY next_run_at LIMIT :limit) RETURNING {COLS}"
        )
        params = {"owner": owner, "until": iso(lease_until), "now": iso(now), "limit": limit}

        def tx(conn: sqlite3.Connection) -> builtins.list[Schedule]:
            return [schedule_from_row(r) for r in fetch_all(conn, sql, params)]

        found = await self._db.transact(tx)
        return sorted(found, key=lambda s: (s.next_run_at, s.id))

    async def finish(
        self,
        schedule_id: str,
        *,
        owner: str,
        occurrence: datetime,
        outcome: Outcome,
        detail: str | None,
        message_id: int | None,
        next_run_at: datetime,
        failures: int,
        pause_reason: str | None = None,
    ) -> bool:
        sql = (
            "UPDATE schedules SET next_run_at = :next, lease_owner = NULL, lease_until = NULL, attempts = 0,"
            " failures = :failures, last_run_at = :occ, last_outcome = :outcome, last_detail = :detail,"
            " last_message_id = coalesce(:message, last_message_id),"
            " paused = (paused OR :pause), paused_reason = coalesce(:reason, paused_reason)"
            " WHERE id = :id AND lease_owner = :owner AND next_run_at = :occ RETURNING id"
        )
        params = {
            "next": iso(next_run_at),
            "failures": failures,
            "occ": iso(occurrence),
            "outcome": outcome.value,
            "detail": detail,
            "message": message_id,
            "pause": int(pause_reason is not None),
            "reason": pause_reason,
            "id": schedule_id,
            "owner": owner,
        }
        return await self._changed(sql, params)

    async def retry_later(
        self, schedule_id: str, *, owner: str, occurrence: datetime, at: datetime, detail: str
    ) -> bool:
        sql = (
            "UPDATE schedules SET lease_owner = NULL, lease_until = :at, last_outcome = :outcome, last_detail = :d,"
            " last_run_at = :occ WHERE id = :id AND lease_owner = :owner AND next_run_at = :occ RETURNING id"
        )
        params = {
            "at": iso(at),
            "outcome": Outcome.RETRYING.value,
            "d": detail,
            "occ": iso(occurrence),
            "id": schedule_id,
            "owner": owner,
        }
        return await self._changed(sql, params)

    async def reserve_save(self, schedule_id: str, *, owner: str, occurrence: datetime, name: str) -> str | None:
        sql = (
            "UPDATE schedules SET save_name = CASE WHEN save_at = :occ THEN save_name ELSE :name END, save_at = :occ"
            " WHERE id = :id AND lease_owner = :owner AND next_run_at = :occ RETURNING save_name"
        )
        params = {"occ": iso(occurrence), "name": name, "id": schedule_id, "owner": owner}

        def tx(conn: sqlite3.Connection) -> str | None:
            row = fetch_one(conn, sql, params)
            return None if row is None else str(row[0])

        return await self._db.transact(tx)

    async def record_saved(self, schedule_id: str, *, playlist_id: str) -> builtins.list[str]:
        def tx(conn: sqlite3.Connection) -> builtins.list[str]:
            row = fetch_one(conn, "SELECT saved FROM schedules WHERE id = ?", (schedule_id,))
            if row is None:
                raise schedule_missing()
            saved: builtins.list[str] = json.loads(row[0])
            if playlist_id not in saved:
                saved.append(playlist_id)
                conn.execute("UPDATE schedules SET saved = ? WHERE id = ?", (json.dumps(saved), schedule_id))
            return saved

        return await self._db.transact(tx)  # one BEGIN IMMEDIATE transaction: no other writer in between

    async def forget_saved(self, schedule_id: str, *, playlist_ids: Sequence[str]) -> None:
        gone = set(playlist_ids)

        def tx(conn: sqlite3.Connection) -> None:
            row = fetch_one(conn, "SELECT saved FROM schedules WHERE id = ?", (schedule_id,))
            if row is not None:
                kept = [p for p in json.loads(row[0]) if p not in gone]
                conn.execute("UPDATE schedules SET saved = ? WHERE id = ?", (json.dumps(kept), schedule_id))

        await self._db.transact(tx)

    async def release(self, *, owner: str, schedule_ids: Sequence[str]) -> int:
        if not schedule_ids:
            return 0
        marks = ", ".join("?" for _ in schedule_ids)
        sql = (
            "UPDATE schedules SET lease_owner = NULL, lease_until = NULL"
            f" WHERE lease_owner = ? AND id IN ({marks}) RETURNING id"
        )

        def tx(conn: sqlite3.Connection) -> int:
            return len(fetch_all(conn, sql, (owner, *schedule_ids)))

        return await self._db.transact(tx)

    async def due(self, *, now: datetime) -> int:
        row = await self._db.row("SELECT count(*) FROM schedules WHERE paused = 0 AND next_run_at <= ?", (iso(now),))
        return int(row[0]) if row else 0

    async def _one(self, sql: str, params: Mapping[str, object]) -> Schedule:
        def tx(conn: sqlite3.Connection) -> Schedule:
            row = fetch_one(conn, sql, params)
            if row is None:
                raise schedule_missing()
            return schedule_from_row(row)

        return await self._db.transact(tx)

    async def _changed(self, sql: str, params: Mapping[str, object]) -> bool:
        def tx(conn: sqlite3.Connection) -> bool:
            return fetch_one(conn, sql, params) is not None

        return await self._db.transact(tx)
