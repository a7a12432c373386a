"""Fixtures for the dbt tests: small synthetic warehouses built with the real dbt project.

The registries are loaded once (with the real registry loader) into a template warehouse that
every test copies; synthetic raw data is written with ``ingestion.synthetic_raw``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from ingestion.registries import load_registries
from ingestion.synthetic_raw import create_raw_tables, write_synthetic_raw

#: the dbt nodes this area owns (the efficiency / guardrail / FOCUS marts are tested by their own area)
CORE_SELECT = [
    "--select",
    "path:models/staging",
    "path:models/intermediate",
    "path:models/marts/usage",
    "path:models/marts/allocation",
    "path:snapshots",
    "path:tests/singular",
    "--indirect-selection",
    "cautious",
]
START = dt.datetime(2026, 8, 25, tzinfo=dt.UTC)
DAYS = 10


def build(db: Path, *extra: str) -> None:
    """``dbt build`` of the core models on ``db`` (raises with the failing nodes)."""
    run_dbt(["build", *extra, *CORE_SELECT], db, quiet=True)


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of one query on a closed warehouse file."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def execute(db: Path, *statements: str) -> None:
    """Run statements read-write on a warehouse file."""
    con = duckdb.connect(str(db))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with only the shipped registries (and empty raw tables) loaded."""
    db = tmp_path_factory.mktemp("template") / "template.duckdb"
    load_registries(db)
    con = duckdb.connect(str(db))
    try:
        create_raw_tables(con)
    finally:
        con.close()
    return db


@pytest.fixture()
def new_warehouse(registry_template: Path, tmp_path: Path) -> Callable[[str], Path]:
    """Factory: a fresh copy of the registry template named ``<name>.duckdb`` under tmp_path."""

    def make(name: str = "warehouse") -> Path:
        db = tmp_path / f"{name}.duckdb"
        shutil.copy(registry_template, db)
        return db

    return make


@pytest.fixture(scope="session")
def built_warehouse(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 000 synthetic conversations over 10 days (2 provisional intervals), fully built."""
    db = tmp_path_factory.mktemp("built") / "built.duckdb"
    shutil.copy(registry_template, db)
    write_synthetic_raw(
        db, 3000, start=START, days=DAYS, seed=11, provisional_intervals=2, load_registries=False
    )
    build(db)
    return db
