"""fct_cost_center_daily and fct_guardrail_baselines on a hand-made warehouse, checked by hand.

Sales (CC-SALES, band 15 %) takes inbound local Genesys Cloud Voice calls at 0.0040 /min:
  2026-08-01            one 100-minute call   -> 0.40
  2026-09-01 .. 09-08   one 10-minute call a day, except none on 09-05 -> 0.04 (09-05: 0)
  2026-09-09            one 20-minute call    -> 0.08
  2026-09-10            one 5-minute call on a carrier without a rate card -> unrated (cost null)
Every day in between has no usage and counts as 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import SALES, add_genesys_leg, build_marts, query, template_copy, ts

CALLS = [("2026-08-01", 100)] + [(f"2026-09-0{d}", 10) for d in (1, 2, 3, 4, 6, 7, 8)] + [("2026-09-09", 20)]


def add_call(
    con: duckdb.DuckDBPyConnection, cid: str, day: str, minutes: int, carrier: str = "genesys_cloud_voice"
) -> None:
    """One inbound local call of ``minutes`` on the Sales queue at 10:00 UTC."""
    t0 = ts(f"{day} 10:00:00")
    end = t0 + dt.timedelta(minutes=minutes)
    add_genesys_leg(con, cid, t0, end, carrier=carrier)
    con.execute(
        "insert into raw.genesys_segments (segment_id, conversation_id, session_id, segment_index,"
        " segment_type, purpose, queue_id, user_id, segment_start, segment_end, wrapup_code, disconnect_type)"
        " values (?, ?, ?, 0, 'interact', 'acd', ?, null, ?, ?, null, null)",
        [f"{cid}-acd", cid, f"{cid}-acd", SALES, t0, t0 + dt.timedelta(seconds=1)],
    )


@pytest.fixture(scope="module")
def guardrail_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The calls above, built with dbt."""
    db = template_copy(registry_template, tmp_path_factory, "guardrails")
    con = duckdb.connect(str(db))
    try:
        for k, (day, minutes) in enumerate(CALLS):
            add_call(con, f"gc{k}", day, minutes)
        add_call(con, "unrated", "2026-09-10", 5, carrier="mystery_telco")
    finally:
        con.close()
    build_marts(db)
    return db


def _baselines(db: Path) -> dict[str, tuple]:
    rows = query(
        db,
        "select cost_date, daily_cost, baseline_30d, lower_bound, upper_bound, history_days, status,"
        " guardrail_band_pct from analytics.fct_guardrail_baselines where cost_center = 'CC-SALES'",
    )
    return {str(r[0]): r[1:] for r in rows}


def test_daily_series_is_dense_and_zero_filled(guardrail_warehouse: Path) -> None:
    rows = query(
        guardrail_warehouse,
        "select cost_date, daily_cost, voice_minutes, usage_item_count, unrated_item_count, currency"
        " from analytics.fct_cost_center_daily where cost_center = 'CC-SALES' order by cost_date",
    )
    days = [r[0] for r in rows]
    assert days[0] == dt.date(2026, 8, 1) and days[-1] == dt.date(2026, 9, 10)
    assert len(days) == 41  # 31 days of August + 10 of September, no gaps
    by_day = {str(r[0]): r[1:] for r in rows}
    assert by_day["2026-08-01"] == (Decimal("0.40"), Decimal("100"), 1, 0, "USD")
    assert by_day["2026-09-05"] == (Decimal("0"), Decimal("0"), 0, 0, "USD")
    assert by_day["2026-08-15"] == (Decimal("0"), Decimal("0"), 0, 0, "USD")
    # the unrated call is counted, never priced at 0 silently: daily_cost stays the rated sum
    assert by_day["2026-09-10"][0] == Decimal("0") and by_day["2026-09-10"][2:] == (1, 1, "USD")


def test_baseline_excludes_scored_day_and_counts_zero_days(guardrail_warehouse: Path) -> None:
    b = _baselines(guardrail_warehouse)
    # 09-09 is scored against 08-10 .. 09-08 (30 days, 09-09 itself excluded, 08-01 too old):
    # 7 calls x 0.04 = 0.28 over 30 days -> 0.009333; x 1.15 -> 0.010733; x 0.85 -> 0.007933
    daily, baseline, lower, upper, history, status, band = b["2026-09-09"]
    assert (daily, history, band) == (Decimal("0.08"), 30, Decimal("15"))
    assert baseline == Decimal("0.009333")
    assert (lower, upper) == (Decimal("0.007933"), Decimal("0.010733"))
    assert status == "breach"


def test_baseline_window_drops_days_older_than_30(guardrail_warehouse: Path) -> None:
    b = _baselines(guardrail_warehouse)
    # 08-31: window 08-01 .. 08-30 holds the 0.40 day -> 0.40 / 30 = 0.013333; 0 < 0.011333 -> below
    assert b["2026-08-31"][1:6] == (
        Decimal("0.013333"),
        Decimal("0.011333"),
        Decimal("0.015333"),
        30,
        "below",
    )
    # 09-01: window 08-02 .. 08-31, all zero -> baseline 0, bounds 0; 0.04 > 0 -> breach
    assert b["2026-09-01"][1:6] == (Decimal("0"), Decimal("0"), Decimal("0"), 30, "breach")


def test_short_history_is_insufficient(guardrail_warehouse: Path) -> None:
    b = _baselines(guardrail_warehouse)
    assert b["2026-08-01"][1:6] == (None, None, None, 0, "insufficient_history")
    # 08-07 has six earlier days (0.40, then zeros): 0.40 / 6 = 0.066667
    assert b["2026-08-07"][1] == Decimal("0.066667")
    assert b["2026-08-07"][4:6] == (6, "insufficient_history")
    assert b["2026-08-08"][4:6] == (7, "below")
