"""Demo-like daily cost series for the forecast backtest, from the simulator's volume model.

The product's backtest (``forecast.backtest``) replays a warehouse; tests and
``benchmarks/forecast_backtest.py`` replay these series when they need a known trend or level shift.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from forecast.model import month_bounds
from forecast.writer import Series
from simulator.config import SimConfig
from simulator.genesys_gen import DOW_FACTOR

#: demo-like cost centers: share of the usage and of the pools (from a demo warehouse's mix)
DEMO_SHARES = {
    "CC-SUPPORT": 0.38,
    "CC-SALES": 0.25,
    "CC-COLLECTIONS": 0.13,
    "CC-FINANCE": 0.11,
    "CC-RETENTION": 0.07,
    "CC-MARKETING": 0.04,
    "UNATTRIBUTED": 0.02,
}


def simulated_history(
    start: dt.date,
    days: int,
    *,
    usage_per_month: float = 9000.0,
    pools_per_month: float = 37750.0,
    trend_pct_per_month: float = 0.0,
    level_shift_on: dt.date | None = None,
    level_shift_factor: float = 1.0,
    noise: float = 0.05,
    seed: int = 7,
) -> dict[str, Series]:
    """Demo-like daily cost series from the simulator's volume model (weekday profile, noise, drift).

    Volume per day follows the simulator (``DOW_FACTOR``, ``SimConfig.volume_factor``);
    usage cost is proportional to it with ``noise``; pools are amortised evenly over their month.
    Includes the total series (``ALL``) like ``int_forecast_daily_series``.
    """
    cfg = SimConfig(
        volume_trend_pct_per_month=trend_pct_per_month,
        trend_anchor=start,
        level_shift_on=level_shift_on,
        level_shift_factor=level_shift_factor,
    )
    rng = np.random.default_rng(seed)
    dates = [start + dt.timedelta(days=k) for k in range(days)]
    base = usage_per_month * 12 / 365.25
    out: dict[str, Series] = {}
    totals_u = np.zeros(days)
    totals_c = np.zeros(days)
    for cc, share in DEMO_SHARES.items():
        usage = np.array(
            [
                base * share * DOW_FACTOR[d.weekday()] * cfg.volume_factor(d) * (1 + rng.normal(0, noise))
                for d in dates
            ]
        )
        committed = np.array(
            [pools_per_month * share / (month_bounds(d)[1] - month_bounds(d)[0]).days for d in dates]
        )
        usage, committed = np.round(np.clip(usage, 0, None), 2), np.round(committed, 6)
        totals_u += usage
        totals_c += committed
        out[cc] = _series(cc, dates, usage, committed)
    out["ALL"] = _series("ALL", dates, totals_u, totals_c)
    return out


def _series(cc: str, dates: list[dt.date], usage: np.ndarray, committed: np.ndarray) -> Series:
    return Series(
        cc,
        "USD",
        dates,
        [Decimal(str(round(float(u), 2))) for u in usage],
        [Decimal(str(round(float(c), 6))) for c in committed],
        [True] * len(dates),
    )
