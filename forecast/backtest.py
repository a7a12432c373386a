"""Replay history: forecast each month from day 5, 10, 15 and 20 and compare with what it cost.

For every series and every fully known month with at least ``MIN_HISTORY_DAYS`` of history before
the origin, the month total is forecast from the data through the origin day and compared with the
actual total; the baseline is seasonal naive (each remaining day costs what the same weekday cost
in the last observed week, plus the known committed cost). Reports month-total MAPE of both, per
origin day, and the empirical coverage of the 80 % / 95 % intervals, all from the same run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from forecast.model import MIN_HISTORY_DAYS, forecast_month, month_bounds, seasonal_naive_month
from forecast.writer import Series

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


@dataclass(frozen=True)
class BacktestSummary:
    """MAPE (percent) of the forecast and the baseline, and interval coverage (percent)."""

    rows: list[BacktestRow]

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
        return out


def backtest(
    series: dict[str, Series], origin_days: tuple[int, ...] = ORIGIN_DAYS, paths: int = 500
) -> BacktestSummary:
    """Replay every fully known month of every series from each origin day."""
    rows: list[BacktestRow] = []
    for cc, s in sorted(series.items()):
        known = {d: i for i, d in enumerate(s.days) if s.actual[i]}
        if not known:
            continue
        months = sorted({d.replace(day=1) for d in known})
        for first in months:
            _, nxt = month_bounds(first)
            month_days = [first + dt.timedelta(days=k) for k in range((nxt - first).days)]
            if not all(d in known for d in month_days):
                continue
            actual = float(
                sum(Decimal(s.usage[known[d]] or 0) + Decimal(s.committed[known[d]]) for d in month_days)
            )
            for day in origin_days:
                as_of = first.replace(day=day)
                hist = [d for d in known if d <= as_of]
                if len(hist) < MIN_HISTORY_DAYS:
                    continue
                f = forecast_month(s.days, s.usage, s.committed, as_of, paths=paths)
                if f.forecast_cost is None:
                    continue
                usage_hist = [float(s.usage[known[d]] or 0) for d in sorted(hist)]
                rest = [d for d in month_days if d > as_of]
                committed_rest = float(sum(Decimal(s.committed[known[d]]) for d in rest))
                naive = float(f.month_to_date_cost) + seasonal_naive_month(
                    usage_hist, committed_rest, len(rest)
                )
                b = {k: float(v) for k, v in f.bands.items()}
                rows.append(
                    BacktestRow(
                        cc,
                        first,
                        day,
                        actual,
                        float(f.forecast_cost),
                        naive,
                        b["lower_80"],
                        b["upper_80"],
                        b["lower_95"],
                        b["upper_95"],
                    )
                )
    return BacktestSummary(rows)
