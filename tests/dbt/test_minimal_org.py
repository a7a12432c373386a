"""Minimal orgs: a warehouse whose ingest windows were all empty, and other thin real-world shapes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from tests.dbt.conftest import add_cxone_phone_contact, add_genesys_leg, build, execute, query, ts


@pytest.mark.parametrize(
    "dbt_vars", [(), ("--vars", "{accounting_start: 2026-09-01}")], ids=["default", "configured"]
)
def test_a_warehouse_with_no_telemetry_yet_builds_empty_marts(
    dbt_vars: tuple[str, ...], new_warehouse: Callable[[str], Path]
) -> None:
    """A new org whose first window had no conversations: the build passes and charges nothing
    (before, int_accounting_period held one all-null row and its not_null tests failed the build;
    with accounting_start configured, the build failed saying it was after the last telemetry day None)."""
    db = new_warehouse("no_telemetry")
    build(db, *dbt_vars)
    assert query(db, "select count(*) from intermediate.int_accounting_period") == [(0,)]
    assert query(db, "select count(*), sum(cost) from analytics.fct_usage_cost") == [(0, None)]
    assert query(db, "select count(*) from analytics.fct_cost_allocation_monthly") == [(0,)]


def test_cxone_week_without_disposition_names_says_its_outcomes_are_unknown(
    new_warehouse: Callable[[str], Path],
) -> None:
    """An org that denies the dispositions API (ACD Dispositions view) stores disposition ids ("3"),
    which no resolution code maps: the skill's week has nothing resolved because its outcomes are
    unknown, not because nothing was resolved (before, null_reason said no_resolved_interactions)."""
    db = new_warehouse("no_disposition_names")
    con = duckdb.connect(str(db))
    try:
        for contact_id, disposition in ((5001, "3"), (5002, "7")):
            add_cxone_phone_contact(
                con,
                contact_id,
                ts(f"2026-09-{contact_id - 4992:02d} 10:00:00"),
                60,
                skill=4101,
                skill_name="Inbound Sales",
                dnis="+13125550199",
                number_type="local",
                disposition=disposition,
            )
    finally:
        con.close()
    run_dbt(
        [
            "build",
            "--select",
            "+fct_cost_per_resolved_weekly",
            "+rpt_weekly_summary",
            "--indirect-selection",
            "cautious",
        ],
        db,
        quiet=True,
    )
    rows = query(
        db,
        "select interaction_count, resolved_count, unmapped_code_count, cost_per_resolved, null_reason"
        " from analytics.fct_cost_per_resolved_weekly where queue_id = '4101'",
    )
    assert rows == [(2, 0, 2, None, "outcome_codes_unmapped")]
    # the weekly report's headline says so instead of a bare "0 resolved"
    head = query(
        db,
        "select week_start, resolved_count, cost_per_resolved, unknown_outcome_count"
        " from analytics.rpt_weekly_summary where unknown_outcome_count > 0",
    )
    assert [(r[1], r[2], r[3]) for r in head] == [(0, None, 2)]
    from flows.report.build import _unknown

    assert "2 interactions with an outcome unknown" in _unknown(
        {"unknown_outcome_count": 2, "resolved_count": 0}
    )
    assert _unknown({"unknown_outcome_count": 0, "resolved_count": 5}) == ""


VENDOR_MONTHLY = (
    "select matched_calls, warehouse_only_calls, vendor_only_calls, warehouse_cost, vendor_cost, variance"
    " from analytics.fct_vendor_voice_reconciliation_monthly"
)


def test_vendor_reconciliation_covers_only_the_days_a_vendor_file_spans(
    new_warehouse: Callable[[str], Path],
) -> None:
    """The Cloud Voice usage CSV is a manual admin-UI export: an org that never loaded one has no
    vendor month (before, every call was warehouse_only and the weekly report showed the whole
    voice cost as variance), and days after the loaded file are not reconciled yet."""
    db = new_warehouse("no_vendor_file")
    con = duckdb.connect(str(db))
    try:
        for cid, day in (("v1", 7), ("v2", 9)):  # 60 s inbound local at 0.0040 /min -> 0.004 each
            add_genesys_leg(con, cid, ts(f"2026-09-{day:02d} 10:00:00"), ts(f"2026-09-{day:02d} 10:01:00"))
    finally:
        con.close()
    select = [
        "build",
        "--select",
        "+fct_vendor_voice_reconciliation_monthly",
        "--indirect-selection",
        "cautious",
    ]
    run_dbt(select, db, quiet=True)
    assert query(db, VENDOR_MONTHLY) == []
    # the admin exports 1-8 Sep: v1 is matched (billed 0.005), v2 (9 Sep) waits for the next file
    execute(
        db,
        "insert into raw.genesys_voice_usage values ('sip-v1', '2026-09-07 10:00:00+00', 'inbound', 'local',"
        " 60, 0.005, 0.005, 'USD')",
    )
    run_dbt(select, db, quiet=True)
    assert query(db, VENDOR_MONTHLY) == [
        (1, 0, 0, Decimal("0.004000"), Decimal("0.005000"), Decimal("-0.001000"))
    ]
