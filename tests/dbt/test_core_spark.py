"""The same dbt project builds on Apache Spark (local pyspark) and every mart equals DuckDB's to the cent.

Needs Java >= 17 and the ``spark`` extra (dbt-spark[session], pyspark); ``.ci/run`` / ``make test``
install them. Skipped, with the reason, when either is missing. One Spark session per pytest
process (its metastore lives in a session temp folder); a small org keeps it to a few minutes.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.dbt_runner import run_dbt, spark_session
from ingestion.lake import export_raw_to_lake
from simulator.synthetic_raw import append_hour, write_synthetic_raw
from tests.dbt.conftest import START, query, template_copy

pytestmark = [
    pytest.mark.spark,
    # ~6 min on an idle 2-core machine (Spark's per-statement overhead x ~250 nodes); far more when shared
    pytest.mark.timeout(2400),
    pytest.mark.skipif(shutil.which("java") is None, reason="java not on PATH (Spark needs Java >= 17)"),
    pytest.mark.skipif(
        importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None,
        reason="spark extra not installed (pip install -e '.[spark]')",
    ),
]

#: every model and seed the marts are made of, plus the singular tests (snapshots are off on Spark)
SPARK_BUILD = ["build", "--exclude", "resource_type:snapshot"]
#: helper tables of the incremental strategy, not marts
_HELPER_SUFFIXES = ("__applied_registry", "__incremental_window", "__dbt_window", "__dbt_tmp")


def _marts(db: Path) -> list[str]:
    rows = query(
        db,
        "select table_name from information_schema.tables where table_schema = 'analytics'"
        " and table_type = 'BASE TABLE' order by 1",
    )
    return [name for (name,) in rows if not name.endswith(_HELPER_SUFFIXES)]


#: money and other numbers are compared to the cent (DuckDB computes some ratios in DOUBLE)
CENT = Decimal("0.01")


def _norm(value: Any) -> Any:
    """One comparable form per value: decimals, UTC-naive timestamps, parsed JSON."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value, parse_float=Decimal, parse_int=Decimal)
        except ValueError:
            return value
        return json.dumps(parsed, sort_keys=True, default=lambda d: str(d.quantize(CENT)))
    return value


def _key(value: Any) -> tuple[bool, str]:
    if isinstance(value, Decimal):
        return (False, f"{value.quantize(CENT):020f}")
    return (value is None, str(value))


def _sorted(rows: list[tuple]) -> list[tuple]:
    normed = [tuple(_norm(v) for v in row) for row in rows]
    return sorted(normed, key=lambda row: tuple(_key(v) for v in row))


def _same(spark: Any, duck: Any) -> bool:
    if isinstance(spark, Decimal) and isinstance(duck, Decimal):
        return abs(spark - duck) < CENT / 2
    return spark == duck


def _duck_rows(db: Path, table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in columns)
    return _sorted(query(db, f"select {cols} from analytics.{table}"))


def _spark_rows(table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f"`{c}`" for c in columns)
    return _sorted([tuple(r) for r in spark_session().sql(f"select {cols} from analytics.{table}").collect()])


def _columns(db: Path, table: str) -> list[str]:
    rows = query(
        db,
        "select column_name from information_schema.columns where table_schema = 'analytics'"
        " and table_name = ? order by ordinal_position",
        [table],
    )
    return [name for (name,) in rows]


def _assert_marts_equal(db: Path, tables: list[str]) -> None:
    for table in tables:
        columns = _columns(db, table)
        spark_columns = {f.name for f in spark_session().table(f"analytics.{table}").schema.fields}
        assert set(columns) == spark_columns, table
        duck, spark = _duck_rows(db, table, columns), _spark_rows(table, columns)
        assert len(spark) == len(duck), table
        for duck_row, spark_row in zip(duck, spark, strict=True):
            differs = [c for c, a, b in zip(columns, spark_row, duck_row, strict=True) if not _same(a, b)]
            assert not differs, f"{table} {differs}: spark {spark_row} duckdb {duck_row}"


@pytest.fixture(scope="module")
def spark_pair(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small org built (all but snapshots) on Spark from the raw data as parquet, and on DuckDB."""
    db = template_copy(registry_template, tmp_path_factory, "spark_source")
    write_synthetic_raw(
        db, 1200, start=START, days=5, seed=21, provisional_intervals=1, load_registries=False
    )
    spark_dir = tmp_path_factory.mktemp("spark")
    os.environ["CCFINOPS_SPARK_DIR"] = str(spark_dir)
    os.environ["CCFINOPS_SPARK_LAKE"] = str(spark_dir / "lake")
    os.environ.setdefault("CCFINOPS_SPARK_SHUFFLE_PARTITIONS", "1")  # a few thousand rows
    export_raw_to_lake(db, spark_dir / "lake")
    run_dbt(SPARK_BUILD, target="spark", quiet=True)
    run_dbt(SPARK_BUILD, db, quiet=True)
    return db


def test_spark_marts_equal_duckdb_to_the_cent(spark_pair: Path) -> None:
    marts = _marts(spark_pair)
    assert {"fct_usage_cost", "fct_cost_allocation_monthly", "focus_cost_and_usage"} <= set(marts)
    (total,) = spark_session().sql("select sum(cost) from analytics.fct_usage_cost").collect()[0]
    assert total is not None and total > 0
    _assert_marts_equal(spark_pair, marts)


def test_spark_incremental_hour_keeps_marts_equal(spark_pair: Path) -> None:
    """One more hour of traffic: window_replace on Spark (insert overwrite of day partitions) = DuckDB."""
    load = append_hour(spark_pair, 300, seed=8)
    assert load.conversations > 0
    export_raw_to_lake(spark_pair, os.environ["CCFINOPS_SPARK_LAKE"])
    run_dbt(["run", "--select", "path:models"], target="spark", quiet=True)
    run_dbt(["run", "--select", "path:models"], spark_pair, quiet=True)
    newest = spark_session().sql("select max(usage_start) from analytics.fct_usage_cost").collect()[0][0]
    assert newest >= load.start.replace(tzinfo=None)
    _assert_marts_equal(spark_pair, _marts(spark_pair))
