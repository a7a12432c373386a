"""Prefect tasks of the month-end forecast: forecast after each build, then budget alerts.

``forecast_task`` replaces ``raw.forecast_cost_*`` (``forecast.writer``) and builds the marts on
them (``fct_cost_forecast_daily`` / ``_monthly`` with their tests); ``budget_alert_task`` tells each
budget owner and finance about crossed thresholds (``forecast.alerts``), once per threshold and month.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task

from flows.locks import warehouse_lock
from flows.tasks import _logger
from flows.timing import phase

FORECAST_SELECT = ("path:models/marts/forecast",)


@task(name="forecast-month-end", retries=0)
def forecast_task(db_path: str) -> Any:
    """Forecast every cost center's month end and rebuild the forecast marts."""
    from flows.dbt_runner import run_dbt
    from forecast.writer import run_forecast

    with phase("forecast"), warehouse_lock(db_path):
        run = run_forecast(Path(db_path))
        run_dbt(["build", "--select", *FORECAST_SELECT], Path(db_path), quiet=True)
    methods: dict[str, int] = {}
    for f in run.forecasts.values():
        methods[f.method] = methods.get(f.method, 0) + 1
    _logger().info("forecast %s as of %s: %s", run.run_id, run.as_of, methods)
    return run


@task(name="budget-alerts", retries=0)
def budget_alert_task(db_path: str, state_file: str | None = None) -> Any:
    """Send budget threshold alerts to owners and finance (each once per threshold and month)."""
    from forecast.alerts import run_budget_alerts

    with phase("forecast"), warehouse_lock(db_path):
        report = run_budget_alerts(Path(db_path), state_file)
    _logger().info(
        "budget alerts: %d sent, %d already sent, %d failed",
        len(report.sent),
        len(report.already_sent),
        len(report.failed),
    )
    return report
