"""Reconciliation workflow: export the open queue as CSV, apply a filled file as manual attributions.

``export_queue`` writes one row per source record still in ``reconciliation_queue`` and not yet
manually attributed. A FinOps lead fills ``cost_center``, ``why`` and ``attributed_by``; rows left
blank are skipped. ``apply_attributions`` validates the whole file first (every problem is
reported with its line and field) and only then writes ``raw.manual_attributions`` in one
transaction; the next ``ccfinops build`` moves the cost (``attribution_method = manual``).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expectations.checks import CATALOG_SQL, QUEUE_MART, USAGE_MART, Catalog, q
from expectations.settings import QualitySettings, load_settings
from ingestion import warehouse as _warehouse

EXPORT_COLUMNS = (
    "source_record_id",
    "platform",
    "conversation_id",
    "usage_date",
    "usage_ids",
    "queue_path",
    "cost",
    "reason",
    "suggested_cost_center",
    # to fill:
    "cost_center",
    "why",
    "attributed_by",
)
FILL_COLUMNS = ("cost_center", "why", "attributed_by")
WHY_ALIASES = ("why", "reason_note")

MANUAL_TABLE_DDL = """create table if not exists {raw}.manual_attributions (
    source_record_id varchar not null,
    cost_center varchar not null,
    attributed_by varchar,
    attributed_at timestamp with time zone,
    reason varchar,
    batch_id varchar
)"""


@dataclass(frozen=True)
class ReconcileIssue:
    """One problem in an apply file: line (1 = header), field, message."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = "header" if self.line == 1 else f"line {self.line}"
        return f"{where}, field {self.field}: {self.message}"


class ReconcileError(ValueError):
    """The file cannot be applied; nothing was written."""

    def __init__(self, file: Path, issues: Sequence[ReconcileIssue]):
        self.file = file
        self.issues = list(issues)
        lines = "\n".join(f"  {file.name}: {i}" for i in self.issues)
        super().__init__(f"{file}: {len(self.issues)} problem(s), nothing applied:\n{lines}")


@dataclass(frozen=True)
class ApplyResult:
    batch_id: str
    applied: int
    skipped_blank: int
    attributed_at: dt.datetime


def _marts_schema(con: Any, settings: QualitySettings) -> str:
    catalog = Catalog.from_rows(con.execute(CATALOG_SQL).fetchall())
    marts = catalog.schema_of(QUEUE_MART, settings.marts_schema)
    if marts is None:
        raise RuntimeError(f"the warehouse has no {QUEUE_MART} mart; run `ccfinops build` first")
    return marts


def _has_manual_table(con: Any, raw: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [raw, "manual_attributions"],
        ).fetchone()[0]
    )


def open_queue_rows(
    db_path: str | os.PathLike[str] | None, settings: QualitySettings | None = None
) -> list[dict]:
    """The open queue, one dict per source record (``EXPORT_COLUMNS`` keys, fill columns empty)."""

    from ingestion.warehouse import resolve_db_path

    settings = settings or load_settings()
    path = resolve_db_path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"warehouse {path} does not exist")
    con = _warehouse.connect(str(path), read_only=True)
    try:
        marts = _marts_schema(con, settings)
        raw = q(settings.raw_schema)
        pending = (
            f"and rq.source_record_id not in (select source_record_id from {raw}.manual_attributions)"
            if _has_manual_table(con, settings.raw_schema)
            else ""
        )
        rows = con.execute(
            f"""select rq.source_record_id, min(rq.platform), min(rq.conversation_id), min(rq.usage_date),
                string_agg(rq.usage_id, ' ' order by rq.usage_id), min(rq.queue_path), sum(rq.cost),
                string_agg(distinct rq.reason, ','), min(rq.suggested_cost_center)
            from {q(marts)}.{q(QUEUE_MART)} as rq
            where rq.source_record_id is not null {pending}
            group by rq.source_record_id
            order by 4, 1"""
        ).fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        rec = dict(zip(EXPORT_COLUMNS[:9], row, strict=True))
        rec["reason"] = ",".join(sorted(str(rec["reason"]).split(","))) if rec["reason"] else ""
        rec.update({c: "" for c in FILL_COLUMNS})
        out.append({k: "" if v is None else str(v) for k, v in rec.items()})
    return out


def export_queue(
    db_path: str | os.PathLike[str] | None,
    out: str | os.PathLike[str] | None = None,
    settings: QualitySettings | None = None,
) -> tuple[Path, int]:
    """Write the open queue to ``out`` (default ``reconciliation_<UTC date>.csv``); returns (path, rows)."""
    rows = open_queue_rows(db_path, settings)
    path = Path(out) if out else Path(f"reconciliation_{dt.datetime.now(dt.UTC):%Y%m%d}.csv")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
    return path, len(rows)


def _read_file(file: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    try:
        with file.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = []
            for rec in reader:
                if None in rec:
                    raise ReconcileError(
                        file, [ReconcileIssue(reader.line_num, "-", "more cells than header columns")]
                    )
                rows.append((reader.line_num, {k: (v or "").strip() for k, v in rec.items()}))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReconcileError(file, [ReconcileIssue(1, "-", f"cannot read the file: {exc}")]) from exc
    return header, rows


def validate_apply_file(
    con: Any, file: Path, by: str | None, settings: QualitySettings
) -> tuple[list[tuple[int, dict[str, str]]], int]:
    """Check every row against the warehouse; return the rows to apply and the blank-row count."""
    header, rows = _read_file(file)
    issues: list[ReconcileIssue] = []
    why_col = next((c for c in WHY_ALIASES if c in header), None)
    for required in ("source_record_id", "cost_center"):
        if required not in header:
            issues.append(ReconcileIssue(1, required, "column is missing"))
    if why_col is None:
        issues.append(ReconcileIssue(1, "why", "column is missing"))
    if "attributed_by" not in header and not by:
        issues.append(ReconcileIssue(1, "attributed_by", "column is missing and no --by was given"))
    if issues:
        raise ReconcileError(file, issues)

    raw = q(settings.raw_schema)
    marts = _marts_schema(con, settings)
    centers = {
        r[0]: bool(r[1])
        for r in con.execute(f"select cost_center, is_active from {raw}.config_cost_centers").fetchall()
    }
    ids = sorted({rec["source_record_id"] for _, rec in rows if rec.get("source_record_id")})
    queued: set[str] = set()
    known: set[str] = set()
    manual: dict[str, tuple[Any, ...]] = {}
    if ids:
        con.execute("create or replace temp table _apply_ids (source_record_id varchar)")
        con.executemany("insert into _apply_ids values (?)", [[i] for i in ids])
        queued = {
            r[0]
            for r in con.execute(
                f"select distinct source_record_id from {q(marts)}.{q(QUEUE_MART)} "
                "where source_record_id in (select source_record_id from _apply_ids)"
            ).fetchall()
        }
        known = {
            r[0]
            for r in con.execute(
                f"select distinct cast(source_record_id as varchar) from {q(marts)}.{q(USAGE_MART)} "
                "where cast(source_record_id as varchar) in (select source_record_id from _apply_ids)"
            ).fetchall()
        }
        if _has_manual_table(con, settings.raw_schema):
            manual = {
                r[0]: r[1:]
                for r in con.execute(
                    f"select source_record_id, attributed_by, attributed_at, batch_id "
                    f"from {raw}.manual_attributions "
                    "where source_record_id in (select source_record_id from _apply_ids)"
                ).fetchall()
            }

    seen: dict[str, int] = {}
    to_apply: list[tuple[int, dict[str, str]]] = []
    blank = 0
    for line, rec in rows:
        rid = rec.get("source_record_id", "")
        cc = rec.get("cost_center", "")
        why = rec.get(why_col, "")
        who = rec.get("attributed_by", "") or (by or "")
        if not cc and not why and not rec.get("attributed_by", ""):
            blank += 1  # not decided yet: left for a later file
            continue
        row_issues: list[ReconcileIssue] = []
        if not rid:
            row_issues.append(ReconcileIssue(line, "source_record_id", "is empty"))
        elif rid in seen:
            row_issues.append(ReconcileIssue(line, "source_record_id", f"{rid} duplicates line {seen[rid]}"))
        else:
            seen[rid] = line
            if rid in manual:
                who_before, when, batch = manual[rid]
                row_issues.append(
                    ReconcileIssue(
                        line,
                        "source_record_id",
                        f"{rid} is already attributed (by {who_before} at {when}, batch {batch})",
                    )
                )
            elif rid not in known:
                row_issues.append(ReconcileIssue(line, "source_record_id", f"unknown record {rid}"))
            elif rid not in queued:
                row_issues.append(
                    ReconcileIssue(
                        line,
                        "source_record_id",
                        f"{rid} is not in the reconciliation queue (already attributed)",
                    )
                )
        if not cc:
            row_issues.append(ReconcileIssue(line, "cost_center", "is empty"))
        elif cc not in centers:
            row_issues.append(ReconcileIssue(line, "cost_center", f"unknown cost center {cc}"))
        elif not centers[cc]:
            row_issues.append(ReconcileIssue(line, "cost_center", f"cost center {cc} is inactive"))
        if not why:
            row_issues.append(ReconcileIssue(line, why_col, "is empty: say why this cost center"))
        if not who:
            row_issues.append(ReconcileIssue(line, "attributed_by", "is empty and no --by was given"))
        issues.extend(row_issues)
        if not row_issues:
            to_apply.append(
                (line, {"source_record_id": rid, "cost_center": cc, "why": why, "attributed_by": who})
            )
    if issues:
        raise ReconcileError(file, issues)
    if not to_apply:
        raise ReconcileError(file, [ReconcileIssue(1, "cost_center", "no filled rows: nothing to apply")])
    return to_apply, blank


def apply_attributions(
    db_path: str | os.PathLike[str] | None,
    file: str | os.PathLike[str],
    by: str | None = None,
    settings: QualitySettings | None = None,
    now: dt.datetime | None = None,
) -> ApplyResult:
    """Validate ``file`` completely, then insert its rows into ``raw.manual_attributions`` atomically."""

    from ingestion.warehouse import resolve_db_path

    settings = settings or load_settings()
    path = resolve_db_path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"warehouse {path} does not exist")
    file = Path(file)
    attributed_at = now or dt.datetime.now(dt.UTC)
    batch_id = f"recon-{attributed_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    con = _warehouse.connect(str(path))
    try:
        rows, blank = validate_apply_file(con, file, by, settings)
        raw = q(settings.raw_schema)
        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {raw}")
            con.execute(MANUAL_TABLE_DDL.format(raw=raw))
            con.executemany(
                f"insert into {raw}.manual_attributions "
                "(source_record_id, cost_center, attributed_by, attributed_at, reason, batch_id) "
                "values (?, ?, ?, ?, ?, ?)",
                [
                    [
                        r["source_record_id"],
                        r["cost_center"],
                        r["attributed_by"],
                        attributed_at,
                        r["why"],
                        batch_id,
                    ]
                    for _, r in rows
                ],
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    finally:
        con.close()
    return ApplyResult(batch_id=batch_id, applied=len(rows), skipped_blank=blank, attributed_at=attributed_at)
