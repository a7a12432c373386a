"""Month-end forecast accuracy: backtest vs seasonal naive on demo-like history, same run.

Replays every fully known month from day 5, 10, 15 and 20 (``forecast.backtest``) on series from
the simulator's volume model, three scenarios: flat, growing trend, trend + level shift. Prints
month-total MAPE beside the seasonal-naive MAPE of the same run (ratio), and the empirical
coverage of the 80 % / 95 % intervals (calibrated as in a run: split conformal on the months
before), plus the wall time per cost-center forecast (median).

    python benchmarks/forecast_backtest.py [--days 184] [--paths 500] [--series ALL,CC-SALES] [--seed 7]

Targets (issue 13): month-total MAPE <= 5 % from day 10, better than seasonal naive, coverage
within +-10 points of nominal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import warnings

from forecast import model
from forecast.backtest import backtest
from simulator.cost_series import simulated_history

SCENARIOS = {
    "flat": {},
    "trend 3 %/month": {"trend_pct_per_month": 3.0},
    "trend + level shift x1.25": {
        "trend_pct_per_month": 3.0,
        "level_shift_on": dt.date(2026, 6, 12),
        "level_shift_factor": 1.25,
    },
}


def main() -> None:
    """Run the scenarios and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=184)
    parser.add_argument("--paths", type=int, default=500)
    parser.add_argument("--series", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--seed", type=int, default=7, help="the simulator's noise seed")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    timings: list[float] = []
    original = model.forecast_month

    def timed(*a, **kw):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            timings.append(time.perf_counter() - start)

    import forecast.writer as writer

    writer.forecast_month = timed  # every cost center's forecast (the total is their sum)
    for name, knobs in SCENARIOS.items():
        series = simulated_history(dt.date(2026, 3, 1), args.days, seed=args.seed, **knobs)
        if args.series:
            series = {k: v for k, v in series.items() if k in args.series.split(",")}
        summary = backtest(series, paths=args.paths)
        m10, n10 = summary.mape(10), summary.mape(10, naive=True)
        print(f"== {name} (seed {args.seed}): {len(summary.rows)} replays")
        for line in summary.lines():
            print("  " + line)
        print(f"  ratio MAPE / seasonal naive from day 10: {m10 / n10:.2f}")
    if timings:
        print(f"median wall time per cost-center forecast: {statistics.median(timings):.2f} s")


if __name__ == "__main__":
    main()
