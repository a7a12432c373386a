"""The same dbt project builds on PostgreSQL and gives the same costs as on DuckDB.

Needs a PostgreSQL server on 127.0.0.1:$CCFINOPS_PG_PORT (``.ci/postgres.sh start``); skipped otherwise.
"""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from flows.dbt_runner import run_dbt
from simulator.synthetic_raw import to_postgres, write_synthetic_raw
from tests.dbt.conftest import CORE_SELECT, START, build, query

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("CCFINOPS_PG_PORT"), reason="CCFINOPS_PG_PORT not set"),
]

SUMMARY_SQL = [
    "select usage_type, attribution_method, count(*), sum(cost) from analytics.fct_usage_cost"
    " group by 1, 2 order by 1, 2",
    "select month, cost_pool, cost_center, allocated_shared_cost from analytics.fct_cost_allocation_monthly"
    " order by 1, 2, 3",
    "select reason, count(*) from analytics.reconciliation_queue group by 1 order by 1",
]


def _dsn() -> str:
    env = os.environ
    parts = {
        "host": "127.0.0.1",
        "port": env["CCFINOPS_PG_PORT"],
        "user": env.get("CCFINOPS_PG_USER", "ccf"),
        "dbname": env.get("CCFINOPS_PG_DB", "ccfinops"),
    }
    if env.get("CCFINOPS_PG_PASSWORD"):
        parts["password"] = env["CCFINOPS_PG_PASSWORD"]
    return " ".join(f"{k}={v}" for k, v in parts.items())


def _pg_rows(sql: str) -> list[tuple]:
    import psycopg2

    con = psycopg2.connect(_dsn())
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return [tuple(_norm(v) for v in row) for row in cur.fetchall()]
    finally:
        con.close()


def _norm(value: object) -> object:
    return value.normalize() if isinstance(value, Decimal) else value


def test_postgres_build_matches_duckdb(registry_template: Path, tmp_path: Path) -> None:
    import psycopg2

    db = tmp_path / "pg_source.duckdb"
    shutil.copy(registry_template, db)
    write_synthetic_raw(
        db, 1500, start=START, days=5, seed=21, provisional_intervals=1, load_registries=False
    )
    con = psycopg2.connect(_dsn())
    try:
        with con, con.cursor() as cur:
            for schema in ("analytics", "staging", "intermediate", "snapshots", "raw"):
                cur.execute(f"drop schema if exists {schema} cascade")
    finally:
        con.close()
    copied = to_postgres(db, _dsn())
    assert copied["genesys_conversations"] > 1000

    run_dbt(["build", *CORE_SELECT], None, target="postgres", quiet=True)
    build(db)
    for sql in SUMMARY_SQL:
        duck = [tuple(_norm(v) for v in row) for row in query(db, sql)]
        assert _pg_rows(sql) == duck, sql
    # and a second (incremental) run on PostgreSQL keeps the same result
    run_dbt(["build", *CORE_SELECT], None, target="postgres", quiet=True)
    assert _pg_rows(SUMMARY_SQL[0]) == [tuple(_norm(v) for v in row) for row in query(db, SUMMARY_SQL[0])]
