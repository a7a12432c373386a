"""Budgets and notification routes: bad rows name file, row and field; nothing is loaded."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ingestion.registries import RegistryError, load_registries, validate_registries
from tests.registries.conftest import read_rows, set_cell, table_state, write_rows

BUDGETS = "budgets.csv"
ROUTES = "notification_routes.csv"


def _append(path: Path, values: dict[str, str]) -> None:
    header, rows = read_rows(path)
    write_rows(path, header, [*rows, [values.get(c, "") for c in header]])


def _errors(folder: Path) -> list[str]:
    with pytest.raises(RegistryError) as info:
        validate_registries(folder)
    return [str(issue) for issue in info.value.issues]


def test_shipped_budgets_load(tmp_path: Path) -> None:
    db = tmp_path / "wh.duckdb"
    load_registries(db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        sales = con.execute(
            "select amount, currency, alert_thresholds_pct, alert_on from raw.config_budgets"
            " where cost_center = 'CC-SALES'"
        ).fetchone()
        routes = con.execute("select count(*) from raw.config_notification_routes where scope = 'finance'")
        assert routes.fetchone()[0] == 1
    finally:
        con.close()
    assert sales == (Decimal("9000.00"), "USD", "80;100", "forecast")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda f: set_cell(f / BUDGETS, 2, "cost_center", "CC-NOPE"),
            "budgets.csv: row 2, field 'cost_center': unknown cost center 'CC-NOPE'",
        ),
        (
            lambda f: set_cell(f / BUDGETS, 3, "amount", "-100.00"),
            "budgets.csv: row 3, field 'amount': Input should be greater than or equal to 0",
        ),
        (
            lambda f: set_cell(f / BUDGETS, 1, "currency", "EUR"),
            "budgets.csv: row 1, field 'currency': EUR is unlike the cost center's currency (USD",
        ),
        (
            lambda f: _append(
                f / BUDGETS,
                {
                    "cost_center": "CC-SALES",
                    "amount": "9500",
                    "currency": "USD",
                    "effective_from": "2026-09-01",
                    "budget_version": "budget-2026.9",
                },
            ),
            "budgets.csv: row 8, field 'effective_from': range overlaps row 1 [2026-01-01, open)",
        ),
        (
            lambda f: set_cell(f / BUDGETS, 4, "effective_from", "2026-01-15"),
            "budgets.csv: row 4, field 'effective_from': must be the first day of a month",
        ),
        (
            lambda f: set_cell(f / BUDGETS, 5, "alert_thresholds_pct", "80;abc"),
            "budgets.csv: row 5, field 'alert_thresholds_pct': 'abc' is not a percent in (0, 1000]",
        ),
        (
            lambda f: set_cell(f / ROUTES, 2, "recipient", "nobody@acme.example"),
            "notification_routes.csv: row 2, field 'recipient': unknown owner 'nobody@acme.example'",
        ),
        (
            lambda f: set_cell(f / ROUTES, 3, "target_env", "slack://T/B/C"),
            "notification_routes.csv: row 3, field 'target_env': looks like a URL or address",
        ),
    ],
    ids=[
        "unknown cost center",
        "negative amount",
        "currency",
        "overlap",
        "mid-month",
        "threshold",
        "unknown owner",
        "secret in file",
    ],
)
def test_bad_budget_or_route_names_row_and_field(reg_dir: Path, edit, expected: str) -> None:
    edit(reg_dir)
    errors = _errors(reg_dir)
    assert any(e.startswith(expected) for e in errors), errors


def test_a_closed_range_then_a_new_budget_is_valid(reg_dir: Path) -> None:
    set_cell(reg_dir / BUDGETS, 1, "effective_to", "2026-09-01")
    _append(
        reg_dir / BUDGETS,
        {
            "cost_center": "CC-SALES",
            "amount": "9500",
            "currency": "USD",
            "effective_from": "2026-09-01",
            "budget_version": "budget-2026.9",
        },
    )
    rows = validate_registries(reg_dir)["budgets"].rows
    assert [(r.effective_from.isoformat(), r.amount) for r in rows if r.cost_center == "CC-SALES"] == [
        ("2026-01-01", Decimal("9000.00")),
        ("2026-09-01", Decimal("9500")),
    ]


def test_bad_budget_loads_nothing(tmp_path: Path, reg_dir: Path) -> None:
    db = tmp_path / "wh.duckdb"
    load_registries(db, reg_dir)
    before = table_state(db)
    header, rows = read_rows(reg_dir / BUDGETS)
    write_rows(reg_dir / BUDGETS, header, rows[:-1])  # a valid edit next to ...
    set_cell(reg_dir / BUDGETS, 2, "amount", "-1")  # ... an invalid one
    with pytest.raises(RegistryError, match=r"budgets.csv: row 2, field 'amount'"):
        load_registries(db, reg_dir)
    assert table_state(db) == before
    assert before["config_budgets"][0] == 7


def test_an_org_without_budgets_or_routes_still_loads(reg_dir: Path, tmp_path: Path) -> None:
    """Budgets and routes are optional: missing files are no error and load no rows."""
    (reg_dir / BUDGETS).unlink()
    (reg_dir / ROUTES).unlink()
    db = tmp_path / "no-budgets.duckdb"
    load_registries(db, reg_dir)
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        centers = con.execute("select count(*) from raw.config_cost_centers").fetchone()[0]
        rows = {
            t: con.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in ("config_budgets", "config_notification_routes")
            if t in tables
        }
    finally:
        con.close()
    assert centers == 8 and all(n == 0 for n in rows.values())
