"""A rated usage item without a cost fails the build (Spark runs with ANSI mode off: bad casts are null)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flows.dbt_runner import DbtRunError, run_dbt
from simulator.synthetic_raw import write_synthetic_raw
from tests.dbt.conftest import START, build, execute, query

TEST = ["test", "--select", "assert_rated_usage_has_cost"]


def test_null_cost_of_a_rated_item_fails_the_build(new_warehouse: Callable[[str], Path]) -> None:
    db = new_warehouse("null_cost")
    write_synthetic_raw(db, 200, start=START, days=2, seed=3, load_registries=False)
    build(db)
    run_dbt(TEST, db, quiet=True)
    (usage_id,) = query(db, "select min(usage_id) from analytics.fct_usage_cost where cost is not null")[0]
    execute(db, f"update analytics.fct_usage_cost set cost = null where usage_id = '{usage_id}'")
    with pytest.raises(DbtRunError, match="assert_rated_usage_has_cost"):
        run_dbt(TEST, db, quiet=True)
