"""Replay history: forecast each month from day 5, 10, 15 and 20 and compare with what it cost.

For every series and every fully known month with at least ``MIN_HISTORY_DAYS`` of history before
the origin, the month total is forecast from the data through the origin day and compared with the
actual total; the baseline is seasonal naive (each remaining day costs what the same weekday cost
in the last observed week, plus the known committed cost). Reports month-total MAPE of both, per
origin day, and the empirical coverage of the 80 % / 95 % intervals, all from the same run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from forecast.model import (
    CALIBRATION_MONTHS,
    MIN_HISTORY_DAYS,
    MonthForecast,
    conformity_score,
    month_bounds,
    seasonal_naive_month,
)
from forecast.writer import Series, forecast_all

ORIGIN_DAYS = (5, 10, 15, 20)


@dataclass(frozen=True)
class BacktestRow:
    """One (series, month, origin day) replay."""

    cost_center: str
    month: dt.date
    origin_day: int
    actual: float
    forecast: float
    naive: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float
    method: str = ""


@dataclass(frozen=True)
class BacktestSummary:
    """MAPE (percent) of the forecast and the baseline, and interval coverage (percent)."""

    rows: list[BacktestRow]
    skipped: int = 0  # replays without a forecast: fewer than MIN_HISTORY_DAYS days before the origin

    def _sel(self, min_origin: int = 0) -> list[BacktestRow]:
        return [r for r in self.rows if r.origin_day >= min_origin and r.actual > 0]

    def mape(self, min_origin: int = 0, naive: bool = False) -> float:
        """Mean absolute percentage error of the month total (origins from ``min_origin``)."""
        rows = self._sel(min_origin)
        errs = [abs((r.naive if naive else r.forecast) - r.actual) / r.actual for r in rows]
        return 100 * float(np.mean(errs)) if errs else float("nan")

    def coverage(self, level: int) -> float:
        """Share of actual month totals inside the ``level`` % interval."""
        rows = self._sel()
        lo, hi = ("lower_80", "upper_80") if level == 80 else ("lower_95", "upper_95")
        inside = [getattr(r, lo) - 0.005 <= r.actual <= getattr(r, hi) + 0.005 for r in rows]
        return 100 * float(np.mean(inside)) if inside else float("nan")

    def lines(self) -> list[str]:
        """The report printed by ``ccfinops forecast backtest``."""
        out = [
            f"month-total MAPE {self.mape():.2f} % (seasonal naive {self.mape(naive=True):.2f} %)",
            f"from day 10: MAPE {self.mape(10):.2f} % (seasonal naive {self.mape(10, naive=True):.2f} %)",
            f"coverage of the 80 % interval {self.coverage(80):.1f} %, of the 95 % interval "
            f"{self.coverage(95):.1f} %",
        ]
        for day in ORIGIN_DAYS:
            rows = [r for r in self._sel() if r.origin_day == day]
            if rows:
                sub = BacktestSummary(rows)
                out.append(
                    f"  day {day:>2}: MAPE {sub.mape():6.2f} % (naive {sub.mape(naive=True):6.2f} %), "
                    f"80 % {sub.coverage(80):5.1f} %, 95 % {sub.coverage(95):5.1f} %, n={len(rows)}"
                )
        out.append(
            f"{len(self._sel())} replays scored; {self.skipped} left out: insufficient_history "
            f"(fewer than {MIN_HISTORY_DAYS} days before the origin, no forecast; not in either figure)"
        )
        return out


def backtest(
    series: dict[str, Series], origin_days: tuple[int, ...] = ORIGIN_DAYS, paths: int = 500
) -> BacktestSummary:
    """Replay every fully known month of every series from each origin day.

    All series are forecast together on each origin day (``forecast_all``), as a run would: the
    total is the sum of the cost centers' forecasts. Months are replayed in order; a month's bands
    are calibrated with the scores of the ``CALIBRATION_MONTHS`` months before it (split conformal:
    only months that had ended when the forecast was made), as ``run_forecast`` does.
    """
    rows: list[BacktestRow] = []
    scores: dict[dt.date, list[float]] = {}
    skipped: list[int] = []
    for first, month_rows, month_scores in _replay(
        series, _months(series), origin_days, paths, scores, skipped
    ):
        rows.extend(month_rows)
        scores[first] = month_scores
    return BacktestSummary(rows, len(skipped))


def calibration_scores(
    series: dict[str, Series], as_of: dt.date | None = None, paths: int = 500
) -> list[float]:
    """Scores of the replays of the ``CALIBRATION_MONTHS`` complete months before ``as_of``'s month.

    ``as_of`` defaults to the newest actual day. These replays are uncalibrated (their scores do not
    depend on earlier calibration).
    """
    newest = as_of or max((s.as_of for s in series.values() if s.as_of), default=None)
    if newest is None:
        return []
    first = newest.replace(day=1)
    earlier = [m for m in _months(series) if m < first][-CALIBRATION_MONTHS:]
    out: list[float] = []
    for _, _, month_scores in _replay(series, earlier, ORIGIN_DAYS, paths, None):
        out.extend(month_scores)
    return out


def _months(series: dict[str, Series]) -> list[dt.date]:
    return sorted(
        {d.replace(day=1) for s in series.values() for d, a in zip(s.days, s.actual, strict=True) if a}
    )


def _replay(
    series: dict[str, Series],
    months: list[dt.date],
    origin_days: tuple[int, ...],
    paths: int,
    scores: dict[dt.date, list[float]] | None,
    skipped: list[int] | None = None,
) -> Iterator[tuple[dt.date, list[BacktestRow], list[float]]]:
    """Per month: its replay rows and their calibration scores (``scores=None``: uncalibrated).

    Series whose month is fully known but that have fewer than ``MIN_HISTORY_DAYS`` days before the
    origin get no forecast (``insufficient_history``): one entry each in ``skipped``.
    """
    known = {cc: {d: i for i, d in enumerate(s.days) if s.actual[i]} for cc, s in series.items()}
    for first in months:
        _, nxt = month_bounds(first)
        month_days = [first + dt.timedelta(days=k) for k in range((nxt - first).days)]
        scored = {cc for cc, k in known.items() if all(d in k for d in month_days)}
        recent = [m for m in (scores or {}) if m < first and _months_between(m, first) <= CALIBRATION_MONTHS]
        calib = [x for m in recent for x in (scores or {})[m]]
        month_rows, month_scores = [], []
        for day in origin_days:
            as_of = first.replace(day=day)
            ready = {cc for cc in scored if sum(d <= as_of for d in known[cc]) >= MIN_HISTORY_DAYS}
            if skipped is not None:
                skipped.extend(1 for _ in scored - ready)
            if not ready:
                continue
            run = forecast_all(series, as_of, paths=paths, scores=None if scores is None else calib)
            for cc in sorted(ready):
                f = run.forecasts.get(cc)
                if f is None or f.forecast_cost is None:
                    if skipped is not None:
                        skipped.append(1)
                    continue
                row = _row(series[cc], known[cc], f, month_days, day)
                month_rows.append(row)
                score = conformity_score(f, row.actual)
                if score is not None:
                    month_scores.append(score)
        yield first, month_rows, month_scores


def _months_between(a: dt.date, b: dt.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _row(s: Series, known: dict[dt.date, int], f: MonthForecast, month_days: list[dt.date], day: int):
    as_of = f.as_of
    actual = float(sum(Decimal(s.usage[known[d]] or 0) + Decimal(s.committed[known[d]]) for d in month_days))
    usage_hist = [float(s.usage[i] or 0) for d, i in sorted(known.items()) if d <= as_of]
    rest = [d for d in month_days if d > as_of]
    committed_rest = float(sum(Decimal(s.committed[known[d]]) for d in rest))
    naive = float(f.month_to_date_cost) + seasonal_naive_month(usage_hist, committed_rest, len(rest))
    b = {k: float(v) for k, v in f.bands.items()}
    return BacktestRow(
        s.cost_center,
        f.month,
        day,
        actual,
        float(f.forecast_cost),
        naive,
        b["lower_80"],
        b["upper_80"],
        b["lower_95"],
        b["upper_95"],
        f.method,
    )
