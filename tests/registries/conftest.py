"""Fixtures for the registry tests: an editable copy of the shipped files and small CSV helpers."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from ingestion.registries import FILES_DIR


@pytest.fixture()
def reg_dir(tmp_path: Path) -> Path:
    """A copy of the shipped registry files that a test may edit."""
    target = tmp_path / "files"
    target.mkdir()
    for path in FILES_DIR.glob("*.csv"):
        shutil.copy(path, target / path.name)
    return target


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a CSV file."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Write a CSV file (header + data rows)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell; ``row`` is the 1-based data row, as in the error messages."""
    header, rows = read_rows(path)
    rows[row - 1][header.index(column)] = value
    write_rows(path, header, rows)


def table_state(db: Path) -> dict[str, tuple[int, str]]:
    """Per raw.config_* table: (row count, the single registry_version on its rows)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        state = {}
        for table in (
            "config_cost_centers",
            "config_cost_center_mappings",
            "config_rate_cards",
            "config_cost_pools",
            "config_budgets",
            "config_notification_routes",
        ):
            count, versions = con.execute(
                f"select count(*), string_agg(distinct registry_version, ',') from raw.{table}"
            ).fetchone()
            state[table] = (count, versions)
        return state
    finally:
        con.close()
