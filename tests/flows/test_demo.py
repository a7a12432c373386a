"""The demo end to end on a small org: every flow once, every artefact where it says, numbers agree."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from simulator.demo import backfill_window, print_summary, run_demo


def test_backfill_window_covers_whole_months() -> None:
    from datetime import date

    assert backfill_window(date(2026, 11, 27), 3) == (date(2026, 9, 1), date(2026, 11, 28))
    assert backfill_window(date(2026, 1, 5), 2) == (date(2025, 12, 1), date(2026, 1, 6))


def test_demo_end_to_end_small_org(prefect_harness: None, tmp_path: Path) -> None:
    lines: list[str] = []
    db = tmp_path / "warehouse.duckdb"
    result = run_demo(
        db,
        conversations_per_month=2_000,
        months=2,
        out=tmp_path / "out",
        start_server=False,
        echo=lines.append,
    )
    print_summary(result, lines.append)
    output = "\n".join(lines)
    assert result.ok, output

    a = result.artefacts
    for key in ("snapshot", "parquet", "report", "chargeback", "dbt_docs", "data_docs", "site"):
        assert a.get(key) is not None and Path(a[key]).exists(), (key, output)
        assert str(a[key]) in output  # the demo prints where it is
    for phase in ("simulate", "ingest", "build", "quality", "publish", "report"):
        assert result.phases.get(phase, 0) > 0, result.phases

    # The BI snapshot holds the same money as the warehouse, to the cent.
    con = duckdb.connect(str(db), read_only=True)
    try:
        warehouse_total = con.execute("select sum(cost) from analytics.fct_usage_cost").fetchone()[0]
        conversations = con.execute("select count(*) from raw.genesys_conversations").fetchone()[0]
    finally:
        con.close()
    snap = duckdb.connect(str(a["snapshot"]), read_only=True)
    try:
        assert snap.execute("select sum(cost) from fct_usage_cost").fetchone()[0] == warehouse_total
    finally:
        snap.close()
    assert 2_000 <= conversations <= 2 * 2_000 + 100  # two months of a 2 000/month org, this month partial

    # The monthly close conserved every cent: chargebacks = last month's pools + its direct usage.
    with Path(a["chargeback"]).open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    month = datetime.now(UTC).date().replace(day=1)
    last = (month - timedelta(days=1)).replace(day=1)
    con = duckdb.connect(str(db), read_only=True)
    try:
        pools = con.execute(
            "select sum(accrued_amount) from analytics.fct_cost_pool_monthly where month = ?",
            [last],
        ).fetchone()[0]
        direct = con.execute(
            "select sum(cost) from analytics.fct_usage_cost where usage_date >= ? and usage_date < ?",
            [last, month],
        ).fetchone()[0]
    finally:
        con.close()
    charged = sum(Decimal(r["total_chargeback"]) for r in rows)
    assert abs(charged - (Decimal(pools) + Decimal(direct))) < Decimal("0.01") * len(rows)

    # WFM constraints went to the simulator's scheduling endpoint.
    wfm = result.results["wfm_constraints"]
    assert wfm["response"]["id"] and wfm["payload"]["shifts"]
    site_index = Path(a["site"]).read_text()
    assert (
        "dbt/index.html" in site_index
        and "quality/index.html" in site_index
        and "weekly_report.html" in site_index
    )
