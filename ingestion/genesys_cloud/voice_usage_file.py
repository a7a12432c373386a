"""Load the Genesys Cloud Voice usage report (a CSV a user downloads from the admin UI).

Genesys has no public API for this report, so the product never requests it: a user exports it
(Admin → Billing → Genesys Cloud Voice usage) and runs ``ccfinops ingest voice-usage --file X.csv``.
Every row is validated first; one bad row rejects the whole file (the error names file, line and
column) and nothing is loaded. Rows merge on ``sip_call_id`` into ``raw.genesys_voice_usage``, so a
re-load or an overlapping export never duplicates a call.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.genesys_cloud import settings as s

MAX_ERRORS = 20


class VoiceUsageFileError(ValueError):
    """The file is not a valid Cloud Voice usage report; ``problems`` lists ``file:line: column: why``."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        more = "" if len(problems) < MAX_ERRORS else f" (first {MAX_ERRORS} shown)"
        super().__init__(f"{path}: nothing loaded, {len(problems)} problem(s){more}:\n" + "\n".join(problems))


def _timestamp(value: str) -> datetime:
    ts = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if ts.tzinfo is None:
        raise ValueError("needs a UTC offset (e.g. 2026-03-02T10:00:00Z)")
    return ts


def _decimal(value: str) -> Decimal:
    try:
        d = Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValueError("not a decimal number") from exc
    if not d.is_finite() or d < 0:
        raise ValueError("must be a non-negative decimal")
    if d != d.quantize(Decimal("0.000001")):
        raise ValueError("more than 6 decimal places")
    return d


def _seconds(value: str) -> int:
    n = int(value.strip())
    if n < 0:
        raise ValueError("must be >= 0")
    return n


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    return value.strip()


_PARSERS = {
    "sip_call_id": _text,
    "call_start": _timestamp,
    "direction": _text,
    "usage_group": _text,
    "duration_seconds": _seconds,
    "rate_per_minute": _decimal,
    "cost": _decimal,
    "currency": _text,
}


def read_voice_usage_file(path: str | os.PathLike[str]) -> pa.Table:
    """Validate every row; a ``genesys_voice_usage`` Arrow table, else ``VoiceUsageFileError``."""
    file = Path(path)
    try:
        handle = file.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise VoiceUsageFileError(file, [f"{file}: cannot open: {exc.strerror}"]) from exc
    problems: list[str] = []
    cols: dict[str, list[Any]] = {n: [] for n in s.VOICE_USAGE_SCHEMA.names}
    seen: dict[str, int] = {}
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in s.VOICE_USAGE_CSV_COLUMNS if c not in header]
        if missing:
            raise VoiceUsageFileError(file, [f"{file}:1: missing column(s) {', '.join(map(repr, missing))}"])
        for row in reader:
            line = reader.line_num
            for csv_col, raw_col in s.VOICE_USAGE_CSV_COLUMNS.items():
                value = row.get(csv_col)
                try:
                    cols[raw_col].append(_PARSERS[raw_col](value or ""))
                except ValueError as exc:
                    problems.append(f"{file}:{line}: column {csv_col!r}: {value!r} {exc}")
                    cols[raw_col].append(None)
            call = row.get("SIP Call Id") or ""
            if call in seen and call:
                problems.append(f"{file}:{line}: column 'SIP Call Id': {call!r} repeats line {seen[call]}")
            seen.setdefault(call, line)
            if len(problems) >= MAX_ERRORS:
                break
    if problems:
        raise VoiceUsageFileError(file, problems[:MAX_ERRORS])
    return pa.Table.from_pydict(cols, schema=s.VOICE_USAGE_SCHEMA)


def load_voice_usage_file(db_path: str | os.PathLike[str], path: str | os.PathLike[str]) -> int:
    """Validate ``path`` and merge it into ``raw.genesys_voice_usage`` in one load; returns rows loaded."""
    import dlt

    from ingestion.dlt_pipeline import raw_pipeline, run_checked

    table = read_voice_usage_file(path)
    if table.num_rows == 0:
        return 0
    db = Path(db_path).expanduser().resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    pipeline = raw_pipeline(db, "ccfinops_genesys_voice_usage")
    resource = dlt.resource(
        table,
        name=s.VOICE_USAGE_TABLE,
        write_disposition="merge",
        primary_key=s.PRIMARY_KEYS[s.VOICE_USAGE_TABLE],
    )
    run_checked(pipeline, resource)
    return table.num_rows
