"""``ccfinops forecast run|backtest``: write the month-end forecast; measure its accuracy."""

from __future__ import annotations

from typing import Annotated

import typer

from ingestion import warehouse as _warehouse


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command group."""
    group = typer.Typer(help="Month-end cost forecast per cost center, with bands.", no_args_is_help=True)
    app.add_typer(group, name="forecast")

    @group.command("run")
    def run(
        db: Annotated[str | None, typer.Option(help="Warehouse file (default: CCFINOPS_DB).")] = None,
    ) -> None:
        """Forecast from the built warehouse, rebuild the forecast marts, print the month ends."""
        from pathlib import Path

        from flows.dbt_runner import run_dbt
        from flows.forecast_tasks import FORECAST_SELECT
        from forecast.writer import run_forecast
        from ingestion.warehouse import resolve_db_path

        path = Path(resolve_db_path(db))
        result = run_forecast(path)
        run_dbt(["build", "--select", *FORECAST_SELECT], path, quiet=True)
        for cc, f in result.forecasts.items():
            b = f.bands
            typer.echo(
                f"{cc:<16} {f.month:%Y-%m} mtd {f.month_to_date_cost:>12,.2f}  forecast "
                f"{f.forecast_cost if f.forecast_cost is None else f'{f.forecast_cost:,.2f}'}"
                f"  80% [{b['lower_80']}, {b['upper_80']}]  {f.method}{'  ' + f.reason if f.reason else ''}"
            )

    @group.command("backtest")
    def backtest_cmd(
        db: Annotated[
            str | None, typer.Option(help="Warehouse whose int_forecast_daily_series is replayed.")
        ] = None,
        paths: Annotated[int, typer.Option(help="Simulated paths per forecast.")] = 500,
    ) -> None:
        """Forecast each month from day 5, 10, 15 and 20; print MAPE vs seasonal naive and coverage."""

        from forecast.backtest import backtest
        from forecast.writer import read_series
        from ingestion.warehouse import resolve_db_path

        path = resolve_db_path(db)
        if not path.exists():
            typer.echo(f"error: warehouse {path} does not exist", err=True)
            raise typer.Exit(2)
        con = _warehouse.connect(str(path), read_only=True)
        try:
            series = read_series(con)
        finally:
            con.close()
        summary = backtest(series, paths=paths)
        for line in summary.lines():
            typer.echo(line)
