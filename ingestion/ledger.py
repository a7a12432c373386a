"""Reads the warehouse before a run: open reconciliation windows and already-loaded conversations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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


def open_windows(db_path: Path, platform: str) -> list[LedgerEntry]:
    """``ingest_reconciliation_ledger`` rows still ``open`` for ``platform``."""
    if not db_path.exists():
        return []
    con = _warehouse.connect(str(db_path), read_only=True)
    try:
        if not _table_exists(con, "ingest_reconciliation_ledger"):
            return []
        rows = con.execute(
            "select window_start, window_end, reason, recorded_at from raw.ingest_reconciliation_ledger "
            "where platform = ? and status = 'open' order by window_start",
            [platform],
        ).fetchall()
    finally:
        con.close()
    return [LedgerEntry(Window(_utc(s), _utc(e)), r, _utc(at)) for s, e, r, at in rows]


def known_conversations(db_path: Path, start: datetime, end: datetime) -> dict[str, bool]:
    """Conversation id → stored ``is_late`` for conversations that started in [start, end)."""
    if not db_path.exists():
        return {}
    con = _warehouse.connect(str(db_path), read_only=True)
    try:
        if not _table_exists(con, "genesys_conversations"):
            return {}
        rows = con.execute(
            "select conversation_id, coalesce(is_late, false) from raw.genesys_conversations "
            "where conversation_start >= ? and conversation_start < ?",
            [start, end],
        ).fetchall()
    finally:
        con.close()
    return {cid: bool(late) for cid, late in rows}
