"""dlt source: the guardrail receiver's spool → ``raw.webhook_events`` (merge on ``event_id``).

Safe while the receiver keeps appending: only complete (newline-terminated) lines are read, and the
byte offset reached in each segment is kept in the resource state, which dlt commits together with
the load, so a failed load re-reads the same lines next time; the merge makes any re-read harmless.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import orjson
import pyarrow as pa

from ingestion.spool.segments import SEGMENT_GLOB, iter_complete_lines, resolve_spool_dir

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

    return webhook_events
