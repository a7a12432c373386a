"""Forecast every series of ``int_forecast_daily_series`` and replace ``raw.forecast_cost_*``.

Reads the dbt view (Python selects, dbt holds the rules), forecasts each cost center and the total
(``forecast.model``), and replaces both raw tables in one transaction, so readers see the previous
forecast or the new one, never half of it. The dbt marts ``fct_cost_forecast_*`` are built on them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from forecast.model import (
    MIN_SCORES,
    PATHS,
    TOTAL,
    MonthForecast,
    forecast_month,
    forecast_total,
    month_bounds,
    rolling_scores,
)
from ingestion import warehouse as _warehouse

SERIES = "intermediate.int_forecast_daily_series"


@dataclass(frozen=True)
class Series:
    """One cost center's dense daily series (usage known up to ``as_of``)."""

    cost_center: str
    currency: str
    days: list[dt.date]
    usage: list[Decimal | None]
    committed: list[Decimal]
    actual: list[bool]

    @property
    def as_of(self) -> dt.date | None:
        """The newest actual day."""
        known = [d for d, a in zip(self.days, self.actual, strict=True) if a]
        return known[-1] if known else None


@dataclass(frozen=True)
class ForecastRun:
    """What one forecast run wrote."""

    run_id: str
    as_of: dt.date | None
    forecasts: dict[str, MonthForecast]
    currencies: dict[str, str]


def read_series(con, table: str = SERIES) -> dict[str, Series]:
    """Every series in the view, keyed by cost center."""
    rows = con.execute(
        f"select cost_center, cost_date, currency, is_actual, usage_cost, committed_cost from {table} "
        "order by cost_center, cost_date"
    ).fetchall()
    grouped: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return {
        cc: Series(
            cc,
            group[-1][2],
            [r[1] for r in group],
            [r[4] for r in group],
            [r[5] if r[5] is not None else Decimal(0) for r in group],
            [bool(r[3]) for r in group],
        )
        for cc, group in grouped.items()
    }


def forecast_all(
    series: dict[str, Series],
    as_of: dt.date | None = None,
    paths: int = PATHS,
    scores: Sequence[float] | None = (),
) -> ForecastRun:
    """Forecast the month of ``as_of`` (default: each series' newest actual day) for every series.

    The total (``TOTAL``) is the sum of the cost centers' forecasts and paths when every cost center
    has one for the same day (``forecast.model.forecast_total``); otherwise its own series is fitted.
    ``scores`` calibrate the month-total bands (``forecast.backtest.calibration_scores``); fewer
    than ``MIN_SCORES`` (no month replayed yet) are completed with ``rolling_scores`` of every cost
    center; ``None``: uncalibrated (the replays that calibrate).
    """
    if scores is not None and len(scores) < MIN_SCORES:
        scores = [*scores, *_rolling(series, as_of)]
    scores = scores or ()
    out: dict[str, MonthForecast] = {}
    complete = True
    for cc, s in sorted(series.items()):
        day = as_of or s.as_of
        if cc == TOTAL:
            continue
        if day is None or day > s.days[-1]:  # no cost in the month
            continue
        if day < s.days[0]:  # starts later: the total misses it if it starts within the month
            complete = complete and s.days[0] >= month_bounds(day)[1]
            continue
        out[cc] = forecast_month(s.days, s.usage, s.committed, day, paths=paths, scores=scores)
    total = series.get(TOTAL)
    day = None if total is None else as_of or total.as_of
    if total is not None and day is not None:
        summed = forecast_total(out, scores=scores) if complete else None
        if summed is not None and summed.as_of == day:
            out[TOTAL] = summed
        else:
            out[TOTAL] = forecast_month(
                total.days, total.usage, total.committed, day, paths=paths, scores=scores
            )
    newest = max((f.as_of for f in out.values()), default=None)
    currencies = {cc: s.currency for cc, s in series.items()}
    return ForecastRun(uuid.uuid4().hex[:12], newest, dict(sorted(out.items())), currencies)


def _rolling(series: dict[str, Series], as_of: dt.date | None) -> list[float]:
    out: list[float] = []
    for cc, s in sorted(series.items()):
        day = as_of or s.as_of
        if cc == TOTAL or day is None or day not in s.days:
            continue
        horizon = (month_bounds(day)[1] - day).days - 1
        if horizon > 0:
            out.extend(rolling_scores(s.usage, s.days.index(day), horizon))
    return out


def write_forecast(con, run: ForecastRun, series: dict[str, Series]) -> tuple[int, int]:
    """Replace ``raw.forecast_cost_daily`` / ``_monthly`` with ``run`` (one transaction)."""
    now = dt.datetime.now(dt.UTC)
    daily, monthly = [], []
    for cc, f in run.forecasts.items():
        s = series[cc]
        cur = run.currencies[cc]
        monthly.append(
            (
                cc,
                f.month,
                f.as_of,
                cur,
                f.days_in_month,
                f.days_elapsed,
                f.history_days,
                f.month_to_date_cost,
                f.remaining_committed_cost,
                f.forecast_cost,
                f.bands["lower_80"],
                f.bands["upper_80"],
                f.bands["lower_95"],
                f.bands["upper_95"],
                f.method,
                f.reason,
                run.run_id,
                now,
            )
        )
        for d, u, c in zip(s.days, s.usage, s.committed, strict=True):
            if f.month <= d <= f.as_of:
                cost = Decimal(u or 0) + Decimal(c)
                daily.append(
                    (
                        cc,
                        d,
                        f.as_of,
                        cur,
                        True,
                        cost,
                        c,
                        cost,
                        None,
                        None,
                        None,
                        None,
                        f.method,
                        run.run_id,
                        now,
                    )
                )
        for day in f.days:
            b = day.bands
            daily.append(
                (
                    cc,
                    day.day,
                    f.as_of,
                    cur,
                    False,
                    None,
                    day.committed_cost,
                    day.forecast_cost,
                    b["lower_80"],
                    b["upper_80"],
                    b["lower_95"],
                    b["upper_95"],
                    f.method,
                    run.run_id,
                    now,
                )
            )
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.forecast_cost_daily")
        con.execute("delete from raw.forecast_cost_monthly")
        if daily:
            con.executemany(
                "insert into raw.forecast_cost_daily (cost_center, cost_date, forecast_as_of, currency,"
                " is_actual, actual_cost, committed_cost, forecast_cost, lower_80, upper_80, lower_95,"
                " upper_95, method, run_id, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                daily,
            )
        if monthly:
            con.executemany(
                "insert into raw.forecast_cost_monthly (cost_center, month, forecast_as_of, currency,"
                " days_in_month, days_elapsed, history_days, month_to_date_cost, remaining_committed_cost,"
                " forecast_cost, lower_80, upper_80, lower_95, upper_95, method, reason, run_id, created_at)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                monthly,
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(daily), len(monthly)


def run_forecast(db_path: str | Path, paths: int = PATHS) -> ForecastRun:
    """Read the series, forecast, replace the raw forecast tables; returns what was written."""

    con = _warehouse.connect(str(db_path))
    try:
        from forecast.backtest import calibration_scores  # the backtest replays with forecast_all

        series = read_series(con)
        run = forecast_all(series, paths=paths, scores=calibration_scores(series, paths=paths))
        write_forecast(con, run, series)
        return run
    finally:
        con.close()
