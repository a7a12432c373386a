"""Minimal orgs: a warehouse whose ingest windows were all empty, and other thin real-world shapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from flows.dbt_runner import run_dbt
from tests.dbt.conftest import add_cxone_phone_contact, build, query, ts


def test_a_warehouse_with_no_telemetry_yet_builds_empty_marts(new_warehouse: Callable[[str], Path]) -> None:
    """A new org whose first window had no conversations: the build passes and charges nothing
    (before, int_accounting_period held one all-null row and its not_null tests failed the build)."""
    db = new_warehouse("no_telemetry")
    build(db)
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
        ["build", "--select", "+fct_cost_per_resolved_weekly", "--indirect-selection", "cautious"],
        db,
        quiet=True,
    )
    rows = query(
        db,
        "select interaction_count, resolved_count, unmapped_code_count, cost_per_resolved, null_reason"
        " from analytics.fct_cost_per_resolved_weekly where queue_id = '4101'",
    )
    assert rows == [(2, 0, 2, None, "outcome_codes_unmapped")]
