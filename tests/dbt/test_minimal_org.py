"""Minimal orgs: a warehouse whose ingest windows were all empty, and other thin real-world shapes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.dbt.conftest import build, query


def test_a_warehouse_with_no_telemetry_yet_builds_empty_marts(new_warehouse: Callable[[str], Path]) -> None:
    """A new org whose first window had no conversations: the build passes and charges nothing
    (before, int_accounting_period held one all-null row and its not_null tests failed the build)."""
    db = new_warehouse("no_telemetry")
    build(db)
    assert query(db, "select count(*) from intermediate.int_accounting_period") == [(0,)]
    assert query(db, "select count(*), sum(cost) from analytics.fct_usage_cost") == [(0, None)]
    assert query(db, "select count(*) from analytics.fct_cost_allocation_monthly") == [(0,)]
