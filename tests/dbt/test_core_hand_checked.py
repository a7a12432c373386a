"""A hand-made raw warehouse whose costs, attributions and allocations were worked out by hand.

Registries are the shipped files (ingestion/registries/files). Every expected figure below is
derived in the comments from those rates, mappings and pools.
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
    build,
    execute,
    query,
    template_copy,
    ts,
)

SALES_OVERFLOW = "cfbdcd4d-4311-5cf1-8345-ffd56e99c532"
RETENTION = "14876453-8b6f-5de4-9a6a-a660b8758029"
FALLBACK = "afb9c573-890e-5ad6-bf01-61927ba30bf9"


def add_genesys_call(
    con: duckdb.DuckDBPyConnection,
    cid: str,
    start: str,
    queues: list[str],
    *,
    carrier: str,
    dnis: str,
    leg_ms: int,
    transcription_ms: int = 0,
    evaluated_at: str | None = None,
) -> None:
    """One inbound voice conversation: a carrier leg, ACD segments for ``queues``, one agent."""
    t0 = ts(start)
    end = t0 + dt.timedelta(milliseconds=leg_ms)
    add_genesys_leg(con, cid, t0, end, carrier=carrier, dnis=dnis, transcription_ms=transcription_ms)
    for k, queue in enumerate(queues):
        seg_start = t0 + dt.timedelta(seconds=1 + k)
        con.execute(
            "insert into raw.genesys_segments"
            " values (?, ?, ?, 0, 'interact', 'acd', ?, null, ?, ?, null, null)",
            [f"{cid}-acd{k}:0", cid, f"{cid}-acd{k}", queue, seg_start, seg_start + dt.timedelta(seconds=1)],
        )
    talk = t0 + dt.timedelta(seconds=1 + len(queues))
    con.execute(
        "insert into raw.genesys_segments"
        " values (?, ?, ?, 0, 'interact', 'agent', ?, 'agent-1', ?, ?, null, null)",
        [f"{cid}-agent:0", cid, f"{cid}-agent", queues[-1], talk, end],
    )
    if evaluated_at:
        con.execute(
            "insert into raw.genesys_evaluations values (?, ?, 'agent-1', ?, 80)",
            [f"{cid}-eval", cid, ts(evaluated_at)],
        )


def add_cxone_contact(
    con: duckdb.DuckDBPyConnection,
    contact_id: int,
    master: int,
    start: str,
    skill: int,
    seconds: int,
    *,
    outbound: bool = False,
    number_type: str = "toll_free",
    campaign: int | None = None,
) -> None:
    """One CXone phone contact to the toll-free number, disposition Resolved."""
    add_cxone_phone_contact(
        con,
        contact_id,
        ts(start),
        seconds,
        skill=skill,
        skill_name="skill",
        dnis="+18775550199",
        number_type=number_type,
        master=master,
        campaign=campaign,
        outbound=outbound,
    )


@pytest.fixture(scope="module")
def hand_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made raw data, built once."""
    db = template_copy(registry_template, tmp_path_factory, "hand")
    con = duckdb.connect(str(db))
    try:
        # G1: Sales -> Sales Overflow, toll-free Cloud Voice, 125.4 s; 61 s transcribed; evaluated
        add_genesys_call(
            con,
            "g1",
            "2026-08-03 10:00:00",
            [SALES, SALES_OVERFLOW],
            carrier="genesys_cloud_voice",
            dnis="tel:+1 (800) 555-0100",
            leg_ms=125_400,
            transcription_ms=61_000,
            evaluated_at="2026-08-05 09:00:00",
        )
        # G2: the unregistered fallback queue only, BYOC local, 30 s -> UNATTRIBUTED
        add_genesys_call(
            con,
            "g2",
            "2026-08-03 11:00:00",
            [FALLBACK],
            carrier="byoc_bandwidth",
            dnis="+13125550100",
            leg_ms=30_000,
        )
        # G3: entered the overflow queue first (no originating context), unknown carrier -> no rate
        add_genesys_call(
            con,
            "g3",
            "2026-08-03 12:00:00",
            [SALES_OVERFLOW],
            carrier="mystery_telco",
            dnis="+13125550100",
            leg_ms=60_000,
        )
        # G4 / G5: Retention on each side of its re-mapping (CC-SALES until 2026-09-01, then CC-RETENTION)
        add_genesys_call(
            con,
            "g4",
            "2026-08-31 23:59:50",
            [RETENTION],
            carrier="genesys_cloud_voice",
            dnis="+13125550100",
            leg_ms=20_000,
        )
        add_genesys_call(
            con,
            "g5",
            "2026-09-01 00:00:10",
            [RETENTION],
            carrier="genesys_cloud_voice",
            dnis="+13125550100",
            leg_ms=6_000,
        )
        # C1: Inbound Support 7 s, transferred to Support Overflow 100 s (toll-free)
        add_cxone_contact(con, 1001, 1001, "2026-08-04 09:00:00", 4102, 7)
        add_cxone_contact(con, 1002, 1001, "2026-08-04 09:00:07", 4103, 100)
        # C2: outbound renewals, local, 50 s
        add_cxone_contact(
            con,
            2001,
            2001,
            "2026-08-04 10:00:00",
            4201,
            50,
            outbound=True,
            number_type="local",
            campaign=7301,
        )
    finally:
        con.close()
    build(db)
    return db


def _usage(db: Path) -> dict[tuple[str, str], tuple]:
    rows = query(
        db,
        "select source_record_id, usage_type, cost, billable_quantity, unit_rate, cost_center,"
        " attribution_method,"
        " queue_id, originating_queue_id, number_type, mapping_version, rate_card_version, usage_date"
        " from analytics.fct_usage_cost",
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def test_costs_to_the_cent(hand_warehouse: Path) -> None:
    usage = _usage(hand_warehouse)
    assert len(usage) == 10
    d = Decimal
    # 125.4 s -> 126 s (6 s increments) = 2.1 min x 0.0150 toll-free inbound
    assert usage[("g1-cust", "voice")][:3] == (d("0.031500"), d("2.100000"), d("0.015000"))
    # 61 s transcribed -> 66 s = 1.1 min x 0.0160
    assert usage[("g1", "transcription")][:2] == (d("0.017600"), d("1.100000"))
    assert usage[("g1-eval", "wem_evaluation")][:2] == (d("0.250000"), d("1.000000"))
    # 30 s BYOC local inbound at the 2026-07-01 rate 0.0038 = 0.0019
    assert usage[("g2-cust", "voice")][:3] == (d("0.001900"), d("0.500000"), d("0.003800"))
    # 20 s -> 24 s = 0.4 min x 0.0040
    assert usage[("g4-cust", "voice")][0] == d("0.001600")
    # CXone: 7 s is raised to the 12 s minimum = 0.2 min x 0.0180; 100 s -> 102 s = 1.7 min
    assert usage[("1001", "voice")][:2] == (d("0.003600"), d("0.200000"))
    assert usage[("1002", "voice")][0] == d("0.030600")
    # outbound local 50 s -> 54 s = 0.9 min x 0.0130
    assert usage[("2001", "voice")][0] == d("0.011700")
    total = query(hand_warehouse, "select sum(cost) from analytics.fct_usage_cost")[0][0]
    assert total == d("0.348900")  # g5: 6 s = 0.1 min x 0.0040 = 0.0004


def test_attribution_rules(hand_warehouse: Path) -> None:
    usage = _usage(hand_warehouse)
    g1 = usage[("g1-cust", "voice")]
    assert g1[3:8] == ("CC-SALES", "inherited", SALES_OVERFLOW, SALES, "toll_free")
    assert usage[("g1", "transcription")][3:5] == ("CC-SALES", "inherited")
    assert usage[("g2-cust", "voice")][3:5] == ("UNATTRIBUTED", "unattributed")
    assert usage[("g3-cust", "voice")][3:5] == ("CC-SALES", "parent_default")
    # effective-dated re-mapping: the day decides, and each row carries the version it used
    assert usage[("g4-cust", "voice")][3:5] == ("CC-SALES", "direct")
    assert usage[("g4-cust", "voice")][8] == "2025.1"
    assert usage[("g5-cust", "voice")][3:5] == ("CC-RETENTION", "direct")
    assert usage[("g5-cust", "voice")][8] == "2026.2"
    assert usage[("1001", "voice")][3:5] == ("CC-SUPPORT", "direct")
    assert usage[("1002", "voice")][3:5] == ("CC-SUPPORT", "inherited")
    # outbound renewals campaign (CC-MARKETING) on the Retention skill: the campaign is more specific
    assert usage[("2001", "voice")][3:5] == ("CC-MARKETING", "campaign")


def test_missing_rate_stays_with_null_cost_and_is_queued(hand_warehouse: Path) -> None:
    g3 = _usage(hand_warehouse)[("g3-cust", "voice")]
    assert g3[0] is None and g3[2] is None and g3[9] is None
    queue = query(
        hand_warehouse,
        "select source_record_id, reason, suggested_cost_center, queue_path"
        " from analytics.reconciliation_queue"
        " order by 1, 2",
    )
    assert queue == [
        ("g2-cust", "no_cost_center", None, FALLBACK),
        ("g3-cust", "missing_rate", "CC-SALES", SALES_OVERFLOW),
    ]


def test_shared_pool_split_by_largest_remainder(hand_warehouse: Path) -> None:
    rows = query(
        hand_warehouse,
        "select cost_center, allocation_kind, allocated_shared_cost, queue_minutes"
        " from analytics.fct_cost_allocation_monthly"
        " where month = date '2026-08-01' and cost_pool = 'shared_ivr_routing' order by 1, 2",
    )
    # 3000.00 (cap) accrues 30 000 cents / 31 days: 96.78 on days 1-13, 96.77 after. Days with voice:
    # 08-03 g1 125.4 s + g3 60 s CC-SALES, g2 30 s UNATTRIBUTED -> 83.30 / 13.48 (left-over cent .93);
    # 08-04 CXone 107 s CC-SUPPORT, 50 s CC-MARKETING -> 65.96 / 30.82; 08-31 g4 20 s CC-SALES -> 96.77;
    # the 28 days without voice are UNALLOCATED; the 400.00 above the cap goes to the owner CC-PLATFORM.
    allocated = {(cc, kind): amount for cc, kind, amount, _ in rows}
    assert allocated == {
        ("CC-MARKETING", "allocated"): Decimal("30.82"),
        ("CC-PLATFORM", "cap_overflow"): Decimal("400.00"),
        ("CC-SALES", "allocated"): Decimal("180.07"),
        ("CC-SUPPORT", "allocated"): Decimal("65.96"),
        ("UNALLOCATED", "unallocated"): Decimal("2709.67"),
        ("UNATTRIBUTED", "allocated"): Decimal("13.48"),
    }
    assert sum(allocated.values()) == Decimal("3400.00")  # the pool in full, above the cap included
    sales = next(r for r in rows if r[0] == "CC-SALES")
    assert sales[3] == Decimal("3.423333")  # 205.4 s


def test_open_month_is_month_to_date(hand_warehouse: Path) -> None:
    rows = query(
        hand_warehouse,
        "select cost_pool, cost_center, allocation_kind, allocated_shared_cost, days_accrued, is_month_closed"
        " from analytics.fct_cost_allocation_monthly"
        " where month = date '2026-09-01' order by 1, 2",
    )
    # telemetry ends 2026-09-01: one day of September accrues (1/30 of each pool); g5 (6 s Genesys,
    # CC-RETENTION) is the only basis, so the CXone fee has none that day
    assert rows == [
        ("cxone_platform_fee", "UNALLOCATED", "unallocated", Decimal("220.00"), 1, False),
        ("genesys_cx3_licences", "CC-RETENTION", "allocated", Decimal("775.00"), 1, False),
        ("genesys_wem_add_on", "CC-RETENTION", "allocated", Decimal("150.00"), 1, False),
        ("shared_ivr_routing", "CC-PLATFORM", "cap_overflow", Decimal("13.34"), 1, False),
        ("shared_ivr_routing", "CC-RETENTION", "allocated", Decimal("100.00"), 1, False),
    ]
    pools = query(
        hand_warehouse,
        "select month, sum(monthly_amount), sum(accrued_amount) from analytics.fct_cost_pool_monthly"
        " group by 1 order by 1",
    )
    # nothing before accounting_start (2026-08-01, the first month with telemetry); August in full
    assert pools == [
        (dt.date(2026, 8, 1), Decimal("37750.00"), Decimal("37750.00")),
        (dt.date(2026, 9, 1), Decimal("37750.00"), Decimal("1258.34")),
    ]


def test_manual_attribution_applies_on_next_incremental_build(hand_warehouse: Path, tmp_path: Path) -> None:
    import shutil

    db = tmp_path / "manual.duckdb"
    shutil.copy(hand_warehouse, db)
    execute(
        db,
        "insert into raw.manual_attributions values ('g2-cust', 'CC-SUPPORT', 'analyst@acme.example',"
        " timestamptz '2026-11-01 10:00:00+00', 'fallback line belongs to support', 'batch-1')",
    )
    build(db)  # incremental: g2 (2026-08-03) is far outside the 3-day lookback and still restated
    row = _usage(db)[("g2-cust", "voice")]
    assert row[3:5] == ("CC-SUPPORT", "manual")
    assert row[8] == "manual:batch-1"
    reasons = query(db, "select source_record_id, reason from analytics.reconciliation_queue")
    assert reasons == [("g3-cust", "missing_rate")]


def test_accounting_start_after_last_telemetry_fails_the_build(hand_warehouse: Path, tmp_path: Path) -> None:
    import shutil

    from flows.dbt_runner import DbtRunError, run_dbt

    db = tmp_path / "late.duckdb"
    shutil.copy(hand_warehouse, db)
    with pytest.raises(DbtRunError) as caught:
        run_dbt(
            ["run", "--select", "int_accounting_period", "--vars", "{accounting_start: 2026-10-01}"],
            db,
            quiet=True,
        )
    assert "accounting_start = 2026-10-01 is after the last telemetry day (2026-09-01)" in str(caught.value)
