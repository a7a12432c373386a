"""Monthly close: read a closed month's chargeback from the marts and write the chargeback CSVs.

The close itself is dbt's: ``fct_chargeback_monthly`` (built with ``--vars '{close_month: ...}'``)
freezes the month's lines (``is_closed``, ``close_id``, ``closed_at``) and later builds keep them
until the month is closed again; ``fct_monthly_close`` has the month's totals and conservation flag.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

CENT = Decimal("0.01")


def previous_month(today: date) -> date:
    """First day of the month before ``today``."""
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def next_month(month: date) -> date:
    """First day of the month after ``month``."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass
class CloseResult:
    """A closed month: ids, totals and the files written."""

    month: date
    close_id: str
    closed_at: datetime
    rule_versions: list[str]
    total_direct: Decimal
    total_allocated: Decimal
    total_pool_amount: Decimal
    conserved: bool
    reused: bool
    files: list[Path] = field(default_factory=list)
    by_cost_center: dict[str, dict[str, Decimal]] = field(default_factory=dict)


CLOSE_MART = "analytics.fct_monthly_close"
LINES_MART = "analytics.fct_chargeback_monthly"
CLOSE_SELECT = ("fct_chargeback_monthly", "fct_monthly_close")


def is_closed(con, month: date) -> bool:
    """Whether ``month`` already has a frozen close in ``fct_monthly_close``."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'analytics' and table_name = 'fct_monthly_close'"
    ).fetchone()[0]
    if not exists:
        return False
    return bool(
        con.execute(f"select count(*) from {CLOSE_MART} where month = ? and is_closed", [month]).fetchone()[0]
    )


def _has_cost(con, month: date) -> bool:
    """Whether the daily cost mart has any row in ``month``."""
    try:
        found = con.execute(
            "select count(*) from analytics.fct_cost_center_daily where cost_date >= ? and cost_date < ?",
            [month, next_month(month)],
        ).fetchone()[0]
    except Exception:  # noqa: BLE001 - no mart yet: no cost either
        return False
    return bool(found)


def load_close(con, month: date, *, reused: bool = True) -> CloseResult:
    """The frozen close of ``month`` as recorded in ``fct_monthly_close`` / ``fct_chargeback_monthly``."""
    row = con.execute(
        "select close_id, closed_at, allocation_rule_versions, total_pool_amount, total_allocated, "
        f"total_direct, is_conserved from {CLOSE_MART} where month = ? and is_closed",
        [month],
    ).fetchone()
    if row is None:
        # the close mart freezes a month only when the warehouse has cost in it (usage or pools in force)
        raise LookupError(
            f"{month:%Y-%m} is not closed: the warehouse has no cost in it (no rated usage and no cost "
            "pool in force that month); ingest the month and load its pools, then close it"
            if not _has_cost(con, month)
            else f"{month:%Y-%m} is not closed"
        )
    result = CloseResult(
        month=month,
        close_id=row[0],
        closed_at=row[1],
        rule_versions=[v for v in (row[2] or "").split(",") if v],
        total_pool_amount=Decimal(row[3] or 0),
        total_allocated=Decimal(row[4] or 0),
        total_direct=Decimal(row[5] or 0),
        conserved=bool(row[6]),
        reused=reused,
    )
    for cc, line_type, amount in con.execute(
        f"select cost_center, line_type, amount from {LINES_MART} where month = ?",
        [month],
    ).fetchall():
        key = "direct_usage_cost" if line_type == "usage" else "allocated_shared_cost"
        entry = result.by_cost_center.setdefault(
            str(cc), {"direct_usage_cost": Decimal(0), "allocated_shared_cost": Decimal(0)}
        )
        entry[key] += Decimal(amount or 0)
    return result


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "none"


def write_chargebacks(con, result: CloseResult, out_root: Path) -> list[Path]:
    """``<out>/<YYYY-MM>/chargeback_<CC>.csv`` per cost center plus ``summary.csv``, from frozen rows."""
    folder = Path(out_root) / f"{result.month:%Y-%m}"
    folder.mkdir(parents=True, exist_ok=True)
    lines: dict[str, list[tuple[Any, ...]]] = {}
    for cc, line_type, item, amount, version in con.execute(
        f"select cost_center, line_type, item, amount, rule_version from {LINES_MART} "
        "where month = ? order by cost_center, line_type desc, item",
        [result.month],
    ).fetchall():
        lines.setdefault(str(cc), []).append((line_type, item, Decimal(amount or 0), version))
    files: list[Path] = []
    header = ["month", "cost_center", "line_type", "item", "amount", "rule_version", "close_id"]
    for cc, items in sorted(lines.items()):
        path = folder / f"chargeback_{_safe(cc)}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for line_type, item, amount, version in items:
                w.writerow(
                    [
                        f"{result.month:%Y-%m}",
                        cc,
                        line_type,
                        item,
                        format(amount.quantize(Decimal("0.000001")), "f"),
                        version or "",
                        result.close_id,
                    ]
                )
            total = sum((i[2] for i in items), Decimal(0))
            w.writerow(
                [
                    f"{result.month:%Y-%m}",
                    cc,
                    "total",
                    "",
                    format(total.quantize(Decimal("0.000001")), "f"),
                    "",
                    result.close_id,
                ]
            )
        files.append(path)
    summary = folder / "summary.csv"
    with summary.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "month",
                "cost_center",
                "direct_usage_cost",
                "allocated_shared_cost",
                "total_chargeback",
                "allocation_rule_versions",
                "close_id",
            ]
        )
        for cc, entry in sorted(result.by_cost_center.items()):
            direct = entry["direct_usage_cost"].quantize(CENT)
            shared = entry["allocated_shared_cost"].quantize(CENT)
            w.writerow(
                [
                    f"{result.month:%Y-%m}",
                    cc,
                    direct,
                    shared,
                    direct + shared,
                    ";".join(result.rule_versions),
                    result.close_id,
                ]
            )
    files.append(summary)
    result.files = files
    return files
