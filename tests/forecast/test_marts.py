"""The forecast marts on a small built warehouse: budgets joined, thresholds crossed, sums add up."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from flows.dbt_runner import run_dbt
from forecast.alerts import read_crossings
from forecast.writer import run_forecast
from ingestion.registries import FILES_DIR, load_registries
from simulator.synthetic_raw import write_synthetic_raw
from tests.registries.conftest import set_cell

SELECT = ["--select", "+path:models/marts/forecast", "--indirect-selection", "cautious"]


def _warehouse(folder: Path, days: int, budgets: dict[int, str]) -> Path:
    files = folder / "files"
    shutil.copytree(FILES_DIR, files, ignore=shutil.ignore_patterns("*.md"))
    for row, amount in budgets.items():
        set_cell(files / "budgets.csv", row, "amount", amount)
    db = folder / "wh.duckdb"
    load_registries(db, files)
    start = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
    write_synthetic_raw(db, 150 * days, start=start, days=days, seed=5, load_registries=False)
    run_dbt(["build", *SELECT], db, quiet=True)
    run_forecast(db, paths=200)
    run_dbt(["build", "--select", "path:models/marts/forecast"], db, quiet=True)
    return db


def _rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def forecast_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # CC-SALES (row 1) gets a budget far below its cost, CC-MARKETING (row 6) one far above
    return _warehouse(tmp_path_factory.mktemp("fc"), 45, {1: "100.00", 6: "99999.00"})


def test_monthly_mart_budget_thresholds_and_sums(forecast_db: Path) -> None:
    rows = {
        r[0]: r[1:]
        for r in _rows(
            forecast_db,
            "select cost_center, month, forecast_as_of, budget, thresholds_crossed, method,"
            " month_to_date_cost, forecast_cost from analytics.fct_cost_forecast_monthly",
        )
    }
    assert {"ALL", "CC-SALES", "CC-SUPPORT", "CC-MARKETING"} <= rows.keys()
    sales = rows["CC-SALES"]
    newest = _rows(forecast_db, "select max(cost_date) from analytics.fct_cost_center_daily")[0][0]
    assert sales[:4] == (dt.date(2026, 9, 1), newest, Decimal("100.000000"), "80;100")
    assert sales[4].startswith("ets_weekly_")
    parts = [r for cc, r in rows.items() if cc != "ALL"]
    if all(r[6] is not None for r in parts):  # the total is the sum of its cost centers' forecasts
        assert rows["ALL"][4].startswith("sum_of_cost_centers")
        assert rows["ALL"][6] == sum(r[6] for r in parts)
        assert rows["ALL"][5] == sum(r[5] for r in parts)
    assert rows["CC-MARKETING"][2:4] == (Decimal("99999.000000"), None)
    # the total's budget is the sum of every cost center's budget of the month
    assert rows["ALL"][2] == Decimal("100.00") + Decimal("99999.00") + Decimal("14000") + Decimal(
        "4000"
    ) + Decimal("4500") + Decimal("5500") + Decimal("2000")
    # month-to-date + the remaining days' forecasts = the month-end forecast, per cost center
    daily = dict(
        _rows(
            forecast_db,
            "select cost_center, sum(forecast_cost) from analytics.fct_cost_forecast_daily group by 1",
        )
    )
    for cc, (*_, mtd, forecast) in rows.items():
        if forecast is None:  # too little usage history: no month-end figure, the method says why
            assert rows[cc][4] == "insufficient_history", cc
            continue
        assert daily[cc] == forecast, cc
        assert mtd <= forecast
    con = duckdb.connect(str(forecast_db), read_only=True)
    try:
        crossings = {c.cost_center: c.thresholds for c in read_crossings(con)}
    finally:
        con.close()
    assert crossings["CC-SALES"] == (Decimal("80"), Decimal("100"))
    assert "CC-MARKETING" not in crossings


def test_short_history_is_stated_not_forecast(tmp_path: Path) -> None:
    db = _warehouse(tmp_path, 20, {})
    rows = _rows(
        db,
        "select distinct method, reason, forecast_cost is null, lower_80 is null, history_days"
        " from analytics.fct_cost_forecast_monthly",
    )
    days = _rows(db, "select count(distinct cost_date) from analytics.fct_cost_center_daily")[0][0]
    assert days < 28
    assert rows == [
        ("insufficient_history", f"insufficient_history: {days} days, 28 needed", True, True, days)
    ]
