"""Daily cost history per cost center, read from the published mart ``fct_guardrail_baselines``.

The receiver never holds the DuckDB build file: it opens it read-only for one query and closes it,
only when the file's mtime changed (or reads an exported JSON list of the same rows instead).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SETTLE_SECONDS = 2.0  # only read a warehouse file that has not changed for this long
HISTORY_DAYS = 400  # enough for a 30-day window plus an 8-week day-of-week baseline, with margin
COLUMNS = (
    "cost_date",
    "cost_center",
    "daily_cost",
    "baseline_30d",
    "lower_bound",
    "upper_bound",
    "history_days",
    "status",
)


@dataclass(frozen=True)
class DailyCost:
    """One mart row as the engine uses it."""

    cost_date: date
    daily_cost: Decimal
    status: str | None


@dataclass
class BaselineHistory:
    """Cost history per cost center; ``source`` says where it came from."""

    by_center: dict[str, dict[date, DailyCost]] = field(default_factory=dict)
    source: str = "empty"

    def days(self, cost_center: str) -> dict[date, DailyCost]:
        """History of one cost center (empty when unknown)."""
        return self.by_center.get(cost_center, {})


def _dec(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _build(rows: list[tuple], source: str) -> BaselineHistory:
    out = BaselineHistory(source=source)
    for cost_date, cost_center, daily_cost, status in rows:
        if daily_cost is None or cost_center is None:
            continue
        day = cost_date if isinstance(cost_date, date) else date.fromisoformat(str(cost_date)[:10])
        out.by_center.setdefault(str(cost_center), {})[day] = DailyCost(day, _dec(daily_cost), status)
    return out


def load_from_duckdb(
    db_path: Path, schema: str = "analytics", today: date | None = None, *, settle: bool = False
) -> BaselineHistory:
    """Open the warehouse read-only for one query, then close it.

    ``settle``: refuse (retry later) while the file changed in the last ``SETTLE_SECONDS``, so a
    refresh does not grab the lock between two steps of a build.
    """
    import duckdb

    since = (today or date.today()) - timedelta(days=HISTORY_DAYS)
    if settle and time.time() - db_path.stat().st_mtime < SETTLE_SECONDS:
        # a build is probably writing right now: do not compete for the file lock; retried next tick
        raise RuntimeError(
            f"{db_path.name} changed less than {SETTLE_SECONDS}s ago; waiting for it to settle"
        )
    if not schema.replace("_", "").isalnum():
        raise ValueError(f"invalid schema name {schema!r}")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            f"select cost_date, cost_center, daily_cost, status from {schema}.fct_guardrail_baselines "
            "where cost_date >= ?",
            [since],
        ).fetchall()
    finally:
        con.close()
    return _build(rows, f"duckdb:{db_path.name}")


def export_json(db_path: Path, out: Path, schema: str = "analytics") -> int:
    """Write the mart's recent rows to ``out`` as JSON (atomic rename); return the row count.

    Run it from the flow that just built the warehouse (it already holds the file), and point the
    receiver at the JSON (``CCFINOPS_BASELINE_JSON``): then the receiver never opens the DuckDB file.
    """
    import duckdb

    if not schema.replace("_", "").isalnum():
        raise ValueError(f"invalid schema name {schema!r}")
    since = date.today() - timedelta(days=HISTORY_DAYS)
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            f"select {', '.join(COLUMNS)} from {schema}.fct_guardrail_baselines where cost_date >= ?"
            " order by cost_center, cost_date",
            [since],
        ).fetchall()
    finally:
        con.close()
    data = [
        {
            c: (v.isoformat() if isinstance(v, date) else str(v) if isinstance(v, Decimal) else v)
            for c, v in zip(COLUMNS, row, strict=True)
        }
        for row in rows
    ]
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, out)
    return len(data)


def load_from_json(path: Path) -> BaselineHistory:
    """Read an exported list of mart rows (``[{cost_date, cost_center, daily_cost, ...}]``)."""
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of fct_guardrail_baselines rows")
    rows = []
    for i, row in enumerate(data):
        missing = [c for c in ("cost_date", "cost_center", "daily_cost") if c not in row]
        if missing:
            raise ValueError(f"{path} item {i}: missing field {missing[0]!r}")
        rows.append((row["cost_date"], row["cost_center"], row["daily_cost"], row.get("status")))
    return _build(rows, f"json:{path.name}")


def default_baseline_json(db_path: str | os.PathLike[str]) -> Path:
    """Where the flows export baselines: ``$CCFINOPS_BASELINE_JSON``, else ``<db>.baselines.json``."""
    env = os.environ.get("CCFINOPS_BASELINE_JSON")
    if env:
        return Path(env).expanduser().resolve()
    db = Path(db_path).expanduser().resolve()
    return db.with_name(db.name + ".baselines.json")
