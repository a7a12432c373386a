"""Reviewers' labels on guardrail triggers: was this alert a real overrun (true) or not (false)?

``ccfinops guardrails label EVENT_OR_ACTION true|false --by NAME [--note ...]`` appends one JSON line
to ``<spool>/labels/labels.jsonl`` (fsynced); the spool pipeline loads it into ``raw.guardrail_labels``
(merge on ``label_id``), dbt resolves it to the cost-center day of the trigger
(``fct_guardrail_trigger_days``), and the weekly report and the backtest read it from there. The file
is append-only: relabelling appends a newer record, and the newest one of a trigger day wins.

A label names a receiver event (``event_id``, from the spool or ``raw.webhook_events``) or a
mitigation action (``act-…``, from the executor's SQLite file); an id found in neither is refused
and nothing is written.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

from guardrails.spool import read_records
from ingestion.spool.segments import AUDIT_DB, LABELS_FILE


class LabelError(ValueError):
    """A label that cannot be recorded (unknown target id)."""


@dataclass(frozen=True)
class Target:
    """What a label is about: one event or action, and the cost-center day it belongs to."""

    target_id: str
    target_kind: str  # event | action
    cost_center: str
    cost_date: date


@dataclass(frozen=True)
class Label:
    """One label record (a line of the labels file)."""

    label_id: str
    target_id: str
    target_kind: str
    cost_center: str
    cost_date: str
    is_true_alert: bool
    labelled_by: str
    note: str | None
    labelled_at: str


def _find_action(spool_dir: Path, target_id: str) -> Target | None:
    path = spool_dir / AUDIT_DB
    if not path.exists():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("select cost_center, day from actions where action_id = ?", (target_id,)).fetchone()
    finally:
        con.close()
    return Target(target_id, "action", row[0], date.fromisoformat(row[1])) if row else None


def _find_event_in_spool(spool_dir: Path, target_id: str) -> Target | None:
    for rec in read_records(spool_dir):
        if rec.get("event_id") == target_id:
            when = datetime.fromisoformat(rec["event_time"])
            return Target(target_id, "event", rec["cost_center"], when.astimezone(UTC).date())
    return None


def _find_event_in_warehouse(db_path: Path | None, target_id: str) -> Target | None:
    if db_path is None or not db_path.exists():
        return None
    import duckdb

    from ingestion.warehouse import connect

    try:
        con = connect(db_path, read_only=True)
    except duckdb.Error:  # held by a running build: the spool and the action log were searched
        return None
    try:
        con.execute("set timezone = 'UTC'")
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'webhook_events'"
        ).fetchone()[0]
        if not exists:
            return None
        row = con.execute(
            "select cost_center, cast(timezone('UTC', event_time) as date) from raw.webhook_events "
            "where event_id = ?",
            [target_id],
        ).fetchone()
    finally:
        con.close()
    return Target(target_id, "event", row[0], row[1]) if row else None


def resolve_target(spool_dir: Path, target_id: str, db_path: Path | None = None) -> Target:
    """The event or action ``target_id`` names; :class:`LabelError` naming the id when unknown."""
    found = (
        _find_action(spool_dir, target_id)
        or _find_event_in_spool(spool_dir, target_id)
        or _find_event_in_warehouse(db_path, target_id)
    )
    if found is None:
        where = f"{spool_dir} (events, actions)" + (f" or raw.webhook_events of {db_path}" if db_path else "")
        raise LabelError(f"unknown event or action id {target_id!r}: not in {where}; nothing written")
    return found


def append_label(
    spool_dir: Path,
    target_id: str,
    is_true_alert: bool,
    labelled_by: str,
    note: str | None = None,
    *,
    db_path: Path | None = None,
    now: datetime | None = None,
) -> Label:
    """Validate ``target_id``, then append one fsynced label line (nothing is written on an error)."""
    if not labelled_by.strip():
        raise LabelError("--by: who labels must be named")
    target = resolve_target(spool_dir, target_id, db_path)
    at = (now or datetime.now(UTC)).isoformat(timespec="milliseconds")
    label_id = (
        "lbl-" + hashlib.sha256(f"{target_id}|{is_true_alert}|{labelled_by}|{at}".encode()).hexdigest()[:16]
    )
    label = Label(
        label_id,
        target.target_id,
        target.target_kind,
        target.cost_center,
        target.cost_date.isoformat(),
        is_true_alert,
        labelled_by.strip(),
        note,
        at,
    )
    path = spool_dir / LABELS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, orjson.dumps(asdict(label)) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return label
