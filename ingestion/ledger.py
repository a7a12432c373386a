"""Reads the warehouse before a run: open reconciliation windows and already-loaded conversations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from ingestion import warehouse as _warehouse
from ingestion.genesys_cloud import LedgerEntry
from ingestion.windows import Window


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [table],
    ).fetchone()
    return bool(row and row[0])


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _rows(db_path: Path, table: str, sql: Any, params: list[Any]) -> list[tuple[Any, ...]]:
    """``sql`` (or ``sql(columns of the table)``) on the warehouse, read only; no rows when the file or
    ``raw.<table>`` is missing (a callable lets a query fall back when an older warehouse lacks a
    newer column)."""
    if not db_path.exists():
        return []
    con = _warehouse.connect(str(db_path), read_only=True)
    try:
        if not _table_exists(con, table):
            return []
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ?",
                [table],
            ).fetchall()
        }
        return con.execute(sql(columns) if callable(sql) else sql, params).fetchall()
    finally:
        con.close()


def open_windows(db_path: Path, platform: str) -> list[LedgerEntry]:
    """``ingest_reconciliation_ledger`` rows still ``open`` for ``platform``."""
    rows = _rows(
        db_path,
        "ingest_reconciliation_ledger",
        "select window_start, window_end, reason, recorded_at from raw.ingest_reconciliation_ledger "
        "where platform = ? and status = 'open' order by window_start",
        [platform],
    )
    return [LedgerEntry(Window(_utc(s), _utc(e)), r, _utc(at)) for s, e, r, at in rows]


def known_conversations(db_path: Path, start: datetime, end: datetime) -> dict[str, bool]:
    """Conversation id → stored ``is_late`` for conversations that started in [start, end)."""
    rows = _rows(
        db_path,
        "genesys_conversations",
        "select conversation_id, coalesce(is_late, false) from raw.genesys_conversations "
        "where conversation_start >= ? and conversation_start < ?",
        [start, end],
    )
    return {cid: bool(late) for cid, late in rows}


def run_history(
    db_path: Path, platform: str, limit: int = 500
) -> list[tuple[datetime, str | None, str | None]]:
    """(started_at, unavailable_resources, skipped_resources) of ``platform``'s runs, newest first
    (what the re-ask policy of ``ingestion.resources`` reads)."""

    def sql(columns: set[str]) -> str:
        skipped = "skipped_resources" if "skipped_resources" in columns else "null"
        return (
            f"select started_at, unavailable_resources, {skipped} from raw.ingest_run_stats "
            "where platform = ? order by started_at desc limit ?"
        )

    rows = _rows(db_path, "ingest_run_stats", sql, [platform, limit])
    return [(_utc(s), u, k) for s, u, k in rows]
