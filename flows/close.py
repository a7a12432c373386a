"""Monthly close: freeze a month's allocation (with its rule versions) and write chargeback CSVs.

Frozen rows live in schema ``ops`` of the warehouse (``closed_allocation``, ``closed_chargeback``,
``monthly_close``). Once a month is closed its chargeback comes from the frozen rows; later rebuilds
or registry changes do not move it unless the month is explicitly re-closed.
"""

from __future__ import annotations

import csv
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
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


OPS_DDL = """
create schema if not exists ops;
create table if not exists ops.monthly_close (
    month date primary key, close_id varchar not null, closed_at timestamptz not null,
    allocation_rule_versions varchar, total_pool_amount decimal(18,2), total_allocated decimal(18,2),
    total_direct decimal(18,2), conserved boolean
);
create table if not exists ops.closed_chargeback (
    month date, cost_center varchar, line_type varchar, item varchar, amount decimal(18,6),
    rule_version varchar, close_id varchar
);
"""


def is_closed(con, month: date) -> bool:
    """Whether ``month`` already has a frozen close."""
    con.execute(OPS_DDL)
    return bool(con.execute("select count(*) from ops.monthly_close where month = ?", [month]).fetchone()[0])


def freeze_month(con, month: date) -> CloseResult:
    """Copy the month's allocation and direct usage into ``ops`` (replacing an earlier close)."""
    con.execute(OPS_DDL)
    con.execute("set timezone = 'UTC'")
    alloc_count = con.execute(
        "select count(*) from analytics.fct_cost_allocation_monthly where month = ?", [month]
    ).fetchone()[0]
    if not alloc_count:
        raise LookupError(f"no rows in analytics.fct_cost_allocation_monthly for {month:%Y-%m}: cannot close")
    close_id = f"close-{month:%Y%m}-{uuid.uuid4().hex[:8]}"
    closed_at = datetime.now(UTC)
    con.execute("begin")
    try:
        con.execute(
            "create table if not exists ops.closed_allocation as "
            "select *, cast(null as varchar) as close_id "
            "from analytics.fct_cost_allocation_monthly where false"
        )
        con.execute("delete from ops.closed_allocation where month = ?", [month])
        con.execute(
            "insert into ops.closed_allocation by name "
            "select *, ? as close_id from analytics.fct_cost_allocation_monthly where month = ?",
            [close_id, month],
        )
        con.execute("delete from ops.closed_chargeback where month = ?", [month])
        con.execute(
            """
            insert into ops.closed_chargeback
            select ?, cost_center, 'usage', usage_type, sum(cost), max(rate_card_version), ?
            from analytics.fct_usage_cost
            where usage_date >= ? and usage_date < ? and cost is not null
            group by cost_center, usage_type
            """,
            [month, close_id, month, next_month(month)],
        )
        con.execute(
            """
            insert into ops.closed_chargeback
            select month, cost_center, 'shared', cost_pool, sum(allocated_shared_cost),
                   max(allocation_rule_version), close_id
            from ops.closed_allocation where month = ?
            group by month, cost_center, cost_pool, close_id
            """,
            [month],
        )
        pools = con.execute(
            # pool amounts live in their own grain (analytics.fct_cost_pool_monthly): a closed month
            # accrues each pool in full, above-cap overflow included
            "select a.cost_pool, max(p.accrued_amount), sum(a.allocated_shared_cost) "
            "from ops.closed_allocation as a left join analytics.fct_cost_pool_monthly as p "
            "on p.month = a.month and p.cost_pool = a.cost_pool "
            "where a.month = ? group by a.cost_pool",
            [month],
        ).fetchall()
        versions = sorted(
            r[0]
            for r in con.execute(
                "select distinct allocation_rule_version from ops.closed_allocation where month = ? "
                "and allocation_rule_version is not null",
                [month],
            ).fetchall()
        )
        total_pool = sum((Decimal(p[1] or 0) for p in pools), Decimal(0))
        total_alloc = sum((Decimal(p[2] or 0) for p in pools), Decimal(0))
        conserved = all(Decimal(p[1] or 0) == Decimal(p[2] or 0) for p in pools)
        total_direct = Decimal(
            con.execute(
                "select coalesce(sum(amount), 0) from ops.closed_chargeback "
                "where month = ? and line_type = 'usage'",
                [month],
            ).fetchone()[0]
        )
        con.execute("delete from ops.monthly_close where month = ?", [month])
        con.execute(
            "insert into ops.monthly_close values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                month,
                close_id,
                closed_at,
                ",".join(versions),
                total_pool,
                total_alloc,
                total_direct,
                conserved,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return load_close(con, month, reused=False)


def load_close(con, month: date, *, reused: bool = True) -> CloseResult:
    """The frozen close of ``month`` as recorded in ``ops``."""
    row = con.execute(
        "select close_id, closed_at, allocation_rule_versions, total_pool_amount, total_allocated, "
        "total_direct, conserved from ops.monthly_close where month = ?",
        [month],
    ).fetchone()
    if row is None:
        raise LookupError(f"{month:%Y-%m} is not closed")
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
        "select cost_center, line_type, sum(amount) from ops.closed_chargeback where month = ? "
        "group by cost_center, line_type",
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
        "select cost_center, line_type, item, amount, rule_version from ops.closed_chargeback "
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
