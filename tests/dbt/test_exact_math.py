"""Exact money macros on the DuckDB target, at amounts a large org reaches."""

from __future__ import annotations

from pathlib import Path

from flows.dbt_runner import run_dbt


def test_to_micros_holds_a_million_and_more(tmp_path: Path) -> None:
    # DuckDB keeps DECIMAL(18, 6) x an integer literal at width 18: 1 145 280.24 overflowed (a
    # shift's 28-day cost at 10 M conversations failed fct_wfm_shift_constraints)
    sql = (
        "select {{ to_micros('cast(1145280.24 as decimal(18, 6))') }} as micros,"
        " {{ to_micros('cast(999999999999.999999 as decimal(18, 6))') }} as largest"
    )
    result = run_dbt(["show", "--inline", sql], tmp_path / "w.duckdb", quiet=True)
    row = result.result.results[0].agate_table.rows[0]
    assert int(row[0]) == 1_145_280_240_000
    assert int(row[1]) == 999_999_999_999_999_999
