"""The same checkpoint on PostgreSQL through GX's SQL datasource (needs CCFINOPS_PG_PORT)."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import duckdb
import pytest

from tests.quality.test_checks import _seed_defects

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("CCFINOPS_PG_PORT"), reason="CCFINOPS_PG_PORT not set"),
]


def _pg_type(duck_type: str) -> str:
    t = duck_type.upper()
    if t.startswith("DECIMAL"):
        return t.replace("DECIMAL", "numeric")
    return {
        "VARCHAR": "text",
        "BIGINT": "bigint",
        "INTEGER": "integer",
        "DATE": "date",
        "BOOLEAN": "boolean",
        "DOUBLE": "double precision",
        "TIMESTAMP WITH TIME ZONE": "timestamptz",
        "TIMESTAMP": "timestamp",
    }[t]


def _copy_to_postgres(db: Path, con) -> None:
    """Copy every raw/analytics table of a DuckDB warehouse into the PostgreSQL database."""
    src = duckdb.connect(str(db), read_only=True)
    try:
        tables = src.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'analytics') order by 1, 2"
        ).fetchall()
        with con.cursor() as cur:
            for schema, table in tables:
                cols = src.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                cur.execute(f'create schema if not exists "{schema}"')
                col_sql = ", ".join(f'"{c}" {_pg_type(t)}' for c, t in cols)
                cur.execute(f'create table "{schema}"."{table}" ({col_sql})')
                rows = src.execute(f'select * from "{schema}"."{table}"').fetchall()
                if rows:
                    marks = ", ".join(["%s"] * len(cols))
                    cur.executemany(f'insert into "{schema}"."{table}" values ({marks})', rows)
        con.commit()
    finally:
        src.close()


@pytest.fixture
def pg_url():
    """A throwaway database on the local test server, dropped afterwards."""
    import psycopg2

    port = os.environ["CCFINOPS_PG_PORT"]
    user = os.environ.get("CCFINOPS_PG_USER", "ccf")
    admin_db = os.environ.get("CCFINOPS_PG_DB", "ccfinops")
    name = "ccf_quality_" + uuid.uuid4().hex[:8]
    admin = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname=admin_db)
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    try:
        yield f"postgresql+psycopg2://{user}@127.0.0.1:{port}/{name}"
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()


def _summary(result) -> dict[str, tuple[bool, frozenset]]:
    return {o.expectation: (o.success, frozenset(o.unexpected_subjects())) for o in result.outcomes}


def test_postgres_matches_duckdb(handmade_db, quality_runner, pg_url, monkeypatch):
    import psycopg2

    from flows.dbt_runner import run_dbt

    _seed_defects(handmade_db)
    on_duckdb = quality_runner(handmade_db, run_id="duck")
    con = psycopg2.connect(re.sub(r"^postgresql\+psycopg2", "postgresql", pg_url))
    try:
        _copy_to_postgres(handmade_db, con)
    finally:
        con.close()
    # the check models (views in schema quality) over the copied marts, built by dbt on PostgreSQL
    monkeypatch.setenv("CCFINOPS_PG_DB", pg_url.rsplit("/", 1)[1])
    run_dbt(
        ["run", "--select", "path:models/quality", "stg_config__cost_pools"],
        None,
        target="postgres",
        quiet=True,
    )
    on_pg = quality_runner(None, run_id="pg", target="postgres", pg_url=pg_url)
    assert _summary(on_pg) == _summary(on_duckdb)
    critical = {o.expectation for o in on_pg.critical_failures}
    assert critical >= {"rate_card_covers_usage", "unattributed_usage_is_queued"}
    con = psycopg2.connect(re.sub(r"^postgresql\+psycopg2", "postgresql", pg_url))
    try:
        with con.cursor() as cur:
            cur.execute("select count(*), count(*) filter (where not success) from quality.dq_results")
            assert cur.fetchone() == (9, len([o for o in on_pg.outcomes if not o.success]))
    finally:
        con.close()
