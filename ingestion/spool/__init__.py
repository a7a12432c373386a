"""dlt source: the guardrail receiver's spool → ``raw.webhook_events`` (merge on ``event_id``),
its mitigation actions → ``raw.guardrail_actions`` (merge on ``action_id``: a state change updates the
row) and the reviewers' labels → ``raw.guardrail_labels`` (merge on ``label_id``).

Safe while the receiver keeps appending: only complete (newline-terminated) lines are read, and the
byte offset reached in each segment is kept in the resource state, which dlt commits together with
the load, so a failed load re-reads the same lines next time; the merge makes any re-read harmless.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import dlt
import orjson
import pyarrow as pa

from ingestion.spool.segments import (
    AUDIT_DB,
    LABELS_FILE,
    SEGMENT_GLOB,
    iter_complete_lines,
    resolve_spool_dir,
)

BATCH_ROWS = 10_000
TS = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema(
    [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event_type", pa.string()),
        pa.field("platform", pa.string()),
        pa.field("queue_id", pa.string()),
        pa.field("cost_center", pa.string()),
        pa.field("duration_ms", pa.int64()),
        pa.field("event_time", TS),
        pa.field("received_at", TS),
        pa.field("decision", pa.string()),
        pa.field("policy_version", pa.string()),
        pa.field("payload", pa.string()),
    ]
)


ACTION_COLUMNS = (
    "action_id",
    "cost_center",
    "day",
    "mitigation",
    "kind",
    "target",
    "platform",
    "mode",
    "state",
    "policy_version",
    "trigger_event_id",
    "error",
    "created_at",
    "updated_at",
)
ACTIONS_SCHEMA = pa.schema(
    [
        pa.field("action_id", pa.string(), nullable=False),
        pa.field("cost_center", pa.string()),
        pa.field("day", pa.date32()),
        *(pa.field(c, pa.string()) for c in ACTION_COLUMNS[3:12]),
        pa.field("created_at", TS),
        pa.field("updated_at", TS),
    ]
)
LABELS_SCHEMA = pa.schema(
    [
        pa.field("label_id", pa.string(), nullable=False),
        pa.field("target_id", pa.string()),
        pa.field("target_kind", pa.string()),
        pa.field("cost_center", pa.string()),
        pa.field("cost_date", pa.date32()),
        pa.field("is_true_alert", pa.bool_()),
        pa.field("labelled_by", pa.string()),
        pa.field("note", pa.string()),
        pa.field("labelled_at", TS),
    ]
)


def read_actions(spool_dir: Path) -> list[dict[str, Any]]:
    """Every mitigation action of the executor's SQLite file (read-only; [] when none was planned)."""
    import sqlite3

    path = spool_dir / AUDIT_DB
    if not path.exists():
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(f"select {', '.join(ACTION_COLUMNS)} from actions order by action_id").fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        rec = dict(zip(ACTION_COLUMNS, row, strict=True))
        rec["day"] = date.fromisoformat(rec["day"])
        rec["created_at"] = datetime.fromisoformat(rec["created_at"])
        rec["updated_at"] = datetime.fromisoformat(rec["updated_at"])
        out.append(rec)
    return out


def read_labels(spool_dir: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Label records past byte ``offset`` of the labels file, and the offset reached."""
    path = spool_dir / LABELS_FILE
    if not path.exists():
        return [], 0
    if offset > path.stat().st_size:
        offset = 0
    rows, end = [], offset
    for stop, line in iter_complete_lines(path, offset):
        end = stop
        rec = orjson.loads(line)
        rows.append(
            {
                "label_id": rec["label_id"],
                "target_id": rec["target_id"],
                "target_kind": rec["target_kind"],
                "cost_center": rec.get("cost_center"),
                "cost_date": date.fromisoformat(rec["cost_date"]) if rec.get("cost_date") else None,
                "is_true_alert": bool(rec["is_true_alert"]),
                "labelled_by": rec["labelled_by"],
                "note": rec.get("note"),
                "labelled_at": datetime.fromisoformat(rec["labelled_at"]),
            }
        )
    return rows, end


def _row(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": rec["event_id"],
        "event_type": rec.get("event_type"),
        "platform": rec.get("platform"),
        "queue_id": rec.get("queue_id"),
        "cost_center": rec.get("cost_center"),
        "duration_ms": rec.get("duration_ms"),
        "event_time": datetime.fromisoformat(rec["event_time"]),
        "received_at": datetime.fromisoformat(rec["received_at"]),
        "decision": rec.get("decision"),
        "policy_version": rec.get("policy_version"),
        "payload": rec.get("payload"),
    }


def read_new_records(spool_dir: Path, offsets: dict[str, int]) -> Iterator[list[dict[str, Any]]]:
    """Batches of rows past ``offsets`` (updated in place as whole batches are handed out)."""
    batch: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in sorted(spool_dir.glob(SEGMENT_GLOB)):
        start = offsets.get(path.name, 0)
        if start > path.stat().st_size:
            start = 0  # the segment was replaced: read it again (merge dedupes)
        end = start
        for end, line in iter_complete_lines(path, start):
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise ValueError(f"spool {path}: unreadable line ending at byte {end}: {exc}") from None
            if rec["event_id"] in seen:
                continue
            seen.add(rec["event_id"])
            batch.append(_row(rec))
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
                offsets[path.name] = end
        offsets[path.name] = end
    if batch:
        yield batch


@dlt.source(name="guardrail_spool")
def webhook_spool_source(spool_dir: str | os.PathLike[str] | None = None) -> Any:
    """The spool as one resource, ``webhook_events`` (``--spool``/``$CCFINOPS_SPOOL_DIR``/default)."""
    directory = resolve_spool_dir(spool_dir)

    @dlt.resource(
        name="webhook_events",
        write_disposition="merge",
        primary_key="event_id",
        columns={"duration_ms": {"data_type": "bigint"}, "payload": {"data_type": "text"}},
    )
    def webhook_events() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        offsets: dict[str, int] = state.setdefault("offsets", {})
        for rows in read_new_records(directory, offsets):
            yield pa.Table.from_pylist(rows, schema=SCHEMA)

    @dlt.resource(name="guardrail_actions", write_disposition="merge", primary_key="action_id")
    def guardrail_actions() -> Iterator[pa.Table]:
        rows = read_actions(directory)
        if rows:
            yield pa.Table.from_pylist(rows, schema=ACTIONS_SCHEMA)

    @dlt.resource(name="guardrail_labels", write_disposition="merge", primary_key="label_id")
    def guardrail_labels() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        rows, state["offset"] = read_labels(directory, state.get("offset", 0))
        if rows:
            yield pa.Table.from_pylist(rows, schema=LABELS_SCHEMA)

    return webhook_events, guardrail_actions, guardrail_labels
