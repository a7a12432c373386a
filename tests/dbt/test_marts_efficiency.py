"""fct_cost_per_resolved_weekly on a hand-made warehouse, every figure worked out by hand.

Registries are the shipped files: Genesys Cloud Voice inbound local 0.0040 /min (6 s increment),
CXone inbound local 0.0090 /min (6 s increment, 12 s minimum), transcription 0.0160 /min; September
2026 pools: genesys_cx3_licences 23 250.00 + genesys_wem_add_on 4 500.00 (Genesys), cxone_platform_fee
6 600.00 (CXone), shared_ivr_routing 3 400.00 capped at 3 000.00 (all platforms).

Traffic, all Sales (CC-SALES), September 2026:
  g1  Mon 07 Sep  Genesys Sales, 120 s voice, 120 s transcribed, RESOLVED, evaluated 80
  g2  Tue 08 Sep  Genesys Sales, 60 s voice, SALE_COMPLETED
  g3  Mon 14 Sep  Genesys Sales, 60 s voice, NO_RESOLUTION
  c1  Wed 09 Sep  CXone Inbound Sales (4101), 30 s voice, disposition Resolved

Pools accrue per calendar day (1/30 of September's amount) from accounting_start (2026-09-01,
the first month with telemetry) to the last telemetry day (14 Sep: September is month-to-date).
A day's accrual is split by that day's voice minutes on the pool's platform; a day without any is
UNALLOCATED; the 400.00 above the shared pool's cap goes to its owner CC-PLATFORM. Per day:
  Genesys pools 775.00 + 150.00 = 925.00 -> Sales on 07, 08 and 14 Sep (no Genesys voice on 09 Sep)
  shared pool 100.00 -> Sales on 07, 08, 14 Sep; skill 4101 on 09 Sep
  CXone fee 220.00 -> skill 4101 on 09 Sep
  week of 07 Sep: Sales 2 x 1 025.00 = 2 050.00, 4101 320.00; week of 14 Sep: Sales 1 025.00
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import (
    SALES,
    add_cxone_phone_contact,
    add_genesys_leg,
    build_marts,
    query,
    template_copy,
    ts,
)

INBOUND_SALES_SKILL = 4101


def add_genesys_call(
    con: duckdb.DuckDBPyConnection,
    cid: str,
    start: str,
    *,
    leg_s: int,
    wrapup: str,
    talk_s: int,
    acw_s: int,
    transcription_ms: int = 0,
    score: int | None = None,
) -> None:
    """One inbound local Cloud Voice call on the Sales queue, answered by an agent."""
    t0 = ts(start)
    end = t0 + dt.timedelta(seconds=leg_s)
    add_genesys_leg(con, cid, t0, end, wrapup=wrapup, transcription_ms=transcription_ms)
    segments = [
        ("acd", "interact", None, t0, t0 + dt.timedelta(seconds=1), None),
        (
            "agent",
            "interact",
            "agent-1",
            t0 + dt.timedelta(seconds=1),
            t0 + dt.timedelta(seconds=1 + talk_s),
            None,
        ),
        (
            "agent",
            "wrapup",
            "agent-1",
            t0 + dt.timedelta(seconds=1 + talk_s),
            t0 + dt.timedelta(seconds=1 + talk_s + acw_s),
            wrapup,
        ),
    ]
    for k, (purpose, seg_type, user, s, e, code) in enumerate(segments):
        con.execute(
            "insert into raw.genesys_segments (segment_id, conversation_id, session_id, segment_index,"
            " segment_type, purpose, queue_id, user_id, segment_start, segment_end, wrapup_code,"
            " disconnect_type) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)",
            [f"{cid}-s{k}", cid, f"{cid}-{purpose}", k, seg_type, purpose, SALES, user, s, e, code],
        )
    if score is not None:
        con.execute(
            "insert into raw.genesys_evaluations (evaluation_id, conversation_id, user_id, evaluated_at,"
            " total_score) values (?, ?, 'agent-1', ?, ?)",
            [f"{cid}-eval", cid, end, score],
        )


def add_cxone_contact(
    con: duckdb.DuckDBPyConnection, contact_id: int, start: str, seconds: int, disposition: str
) -> None:
    """One inbound local CXone phone contact on the Inbound Sales skill."""
    add_cxone_phone_contact(
        con,
        contact_id,
        ts(start),
        seconds,
        skill=INBOUND_SALES_SKILL,
        skill_name="Inbound Sales",
        dnis="+13125550199",
        number_type="local",
        disposition=disposition,
    )


@pytest.fixture(scope="module")
def efficiency_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made raw data above, built with dbt."""
    db = template_copy(registry_template, tmp_path_factory, "efficiency")
    con = duckdb.connect(str(db))
    try:
        add_genesys_call(
            con,
            "g1",
            "2026-09-07 10:00:00",
            leg_s=120,
            wrapup="RESOLVED",
            talk_s=100,
            acw_s=20,
            transcription_ms=120_000,
            score=80,
        )
        add_genesys_call(
            con, "g2", "2026-09-08 10:00:00", leg_s=60, wrapup="SALE_COMPLETED", talk_s=50, acw_s=10
        )
        add_genesys_call(
            con, "g3", "2026-09-14 10:00:00", leg_s=60, wrapup="NO_RESOLUTION", talk_s=40, acw_s=5
        )
        add_cxone_contact(con, 5001, "2026-09-09 10:00:00", 30, "Resolved")
    finally:
        con.close()
    build_marts(db)
    return db


def _weekly(db: Path) -> dict[tuple[str, str], dict]:
    cols = [
        "week_start",
        "queue_id",
        "cost_center",
        "telephony_cost",
        "licensing_allocation",
        "transcription_cost",
        "total_cost",
        "resolved_count",
        "cost_per_resolved",
        "null_reason",
        "interaction_count",
        "handled_count",
        "avg_handle_seconds",
        "evaluation_count",
        "avg_wem_score",
    ]
    rows = query(db, f"select {', '.join(cols)} from analytics.fct_cost_per_resolved_weekly")
    return {(str(r[0]), r[1]): dict(zip(cols, r, strict=True)) for r in rows if r[2] == "CC-SALES"}


def test_cost_per_resolved_to_the_cent(efficiency_warehouse: Path) -> None:
    week = _weekly(efficiency_warehouse)[("2026-09-07", SALES)]
    # voice g1 2 min + g2 1 min at 0.0040; transcription 2 min at 0.0160
    assert week["telephony_cost"] == Decimal("0.012")
    assert week["transcription_cost"] == Decimal("0.032")
    # two days (07, 08 Sep) of 925.00 Genesys pools + 100.00 shared pool
    assert week["licensing_allocation"] == Decimal("2050.00")
    assert week["total_cost"] == Decimal("2050.044")
    assert week["resolved_count"] == 2
    # 2 050.044 / 2
    assert week["cost_per_resolved"] == Decimal("1025.022")
    assert week["cost_per_resolved"].quantize(Decimal("0.01")) == Decimal("1025.02")
    assert week["null_reason"] is None
    assert (week["interaction_count"], week["handled_count"]) == (2, 2)
    # handle = talk + acw: g1 100 + 20, g2 50 + 10 -> mean 90 s
    assert week["avg_handle_seconds"] == Decimal("90.0")
    assert (week["evaluation_count"], week["avg_wem_score"]) == (1, Decimal("80.00"))


def test_cxone_cell_gets_the_cxone_fee_and_its_share_of_the_shared_pool(efficiency_warehouse: Path) -> None:
    cell = _weekly(efficiency_warehouse)[("2026-09-07", str(INBOUND_SALES_SKILL))]
    # 30 s at 0.0090 /min
    assert cell["telephony_cost"] == Decimal("0.0045")
    assert cell["licensing_allocation"] == Decimal("320.00")  # 09 Sep: CXone fee 220.00 + shared 100.00
    assert cell["resolved_count"] == 1  # disposition "Resolved"
    assert cell["cost_per_resolved"] == Decimal("320.0045")
    assert cell["avg_wem_score"] is None  # CXone has no WEM evaluations


def test_zero_resolved_week_has_null_cost_and_reason(efficiency_warehouse: Path) -> None:
    week = _weekly(efficiency_warehouse)[("2026-09-14", SALES)]
    assert week["telephony_cost"] == Decimal("0.004")
    assert week["licensing_allocation"] == Decimal("1025.00")  # 14 Sep: 925.00 + 100.00
    assert week["resolved_count"] == 0
    assert week["cost_per_resolved"] is None
    assert week["null_reason"] == "no_resolved_interactions"


def test_licensing_weeks_sum_to_the_monthly_allocation(efficiency_warehouse: Path) -> None:
    (weekly_total,) = query(
        efficiency_warehouse, "select sum(licensing_allocation) from analytics.fct_cost_per_resolved_weekly"
    )[0]
    (allocated,) = query(
        efficiency_warehouse, "select sum(allocated_shared_cost) from analytics.fct_cost_allocation_monthly"
    )[0]
    assert weekly_total == allocated
    (september,) = query(
        efficiency_warehouse,
        "select sum(licensing_allocation) from analytics.fct_cost_per_resolved_weekly"
        " where cost_center = 'CC-SALES'",
    )[0]
    # the days with CC-SALES minutes: 2 050.00 + 320.00 + 1 025.00
    assert september == Decimal("3395.00")
    (month_to_date,) = query(
        efficiency_warehouse, "select sum(allocated_shared_cost) from analytics.fct_cost_allocation_monthly"
    )[0]
    # 14 of 30 days: 10 850.00 + 2 100.00 + 3 080.00 + 1 400.00 + cap overflow 186.72 (40 000 cents
    # / 30 days: 13.34 on days 1-10, 13.33 after)
    assert month_to_date == Decimal("17616.72")
