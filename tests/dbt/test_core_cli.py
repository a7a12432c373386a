"""``ccfinops build``: runs dbt build through the programmatic runner and summarises the cost."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.dbt_runner import DbtRunError, run_dbt
from tests.dbt.conftest import CORE_SELECT, query

#: the core area's path: selectors, the seeds (efficiency intermediates) and the summary mart
_NODES = [n for n in CORE_SELECT[CORE_SELECT.index("--select") + 1 :] if n.startswith("path:")]
SELECT_ARGS = [
    arg for node in [*_NODES, "path:seeds", "rpt_cost_center_monthly"] for arg in ("--select", node)
]


def test_build_prints_cost_summary(built_warehouse: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    shutil.copy(built_warehouse, db)
    result = CliRunner().invoke(app, ["build", "--db", str(db), *SELECT_ARGS])
    assert result.exit_code == 0, result.output
    total, unattributed = query(
        db,
        "select sum(cost), sum(case when cost_center = 'UNATTRIBUTED' then cost else 0 end)"
        " from analytics.fct_usage_cost",
    )[0]
    assert f"usage cost USD: {total.quantize(Decimal('0.01'))}" in result.output
    assert f"unattributed {unattributed.quantize(Decimal('0.01'))}" in result.output
    top = query(
        db, "select cost_center from analytics.fct_usage_cost group by 1 order by sum(cost) desc limit 1"
    )[0][0]
    assert f"    {top}" in result.output


def test_build_refuses_a_missing_warehouse(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    result = CliRunner().invoke(app, ["build", "--db", str(missing)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: warehouse {missing} does not exist; run `ccfinops ingest` first"
    ]
    assert not missing.exists()


def test_help_shows_no_rest_markup() -> None:
    top = CliRunner().invoke(app, ["--help"])
    build = CliRunner().invoke(app, ["build", "--help"])
    assert "``" not in top.output + build.output
    assert "Run dbt build (models, snapshots, tests)" in build.output


def test_build_refuses_a_warehouse_without_registries(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"  # ingested, but `ccfinops registries load` never ran
    con = duckdb.connect(str(empty))
    con.execute("create schema raw; create table raw.config_rate_cards (rate_card_id varchar)")
    con.close()
    result = CliRunner().invoke(app, ["build", "--db", str(empty), *SELECT_ARGS])
    assert result.exit_code == 2
    assert "the registries are not loaded" in result.output
    assert "raw.config_cost_centers" in result.output and "raw.config_rate_cards" not in result.output
    assert "run `ccfinops registries load` first" in result.output


def test_build_failure_names_the_failing_nodes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"  # registry tables without their columns
    con = duckdb.connect(str(broken))
    con.execute("create schema raw")
    for table in ("cost_centers", "rate_cards", "cost_pools", "cost_center_mappings"):
        con.execute(f"create table raw.config_{table} (x integer)")
    con.close()
    result = CliRunner().invoke(app, ["build", "--db", str(broken), *SELECT_ARGS])
    assert result.exit_code == 1
    assert "model.ccfinops.stg_config__cost_centers [error]" in result.output


def test_run_dbt_raises_with_failed_nodes(tmp_path: Path) -> None:
    with pytest.raises(DbtRunError) as info:
        run_dbt(["run", "--select", "stg_config__cost_centers"], tmp_path / "none.duckdb", quiet=True)
    assert [node.unique_id for node in info.value.failed] == ["model.ccfinops.stg_config__cost_centers"]
    assert "config_cost_centers" in info.value.failed[0].message


def test_unknown_target_is_refused() -> None:
    result = CliRunner().invoke(app, ["build", "--target", "snowflake"])
    assert result.exit_code == 2
