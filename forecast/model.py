"""Forecast the rest of a month from one daily cost series.

The usage part is fitted with statsmodels' ETS (additive error, damped additive trend chosen by AIC,
additive weekly seasonality) and simulated ``paths`` times to the month end; committed pool cost is
known and added as is. Month totals and their 80 % / 95 % bands are quantiles of the simulated
month totals (daily bands do not add up). Fewer than ``MIN_HISTORY_DAYS`` days: no forecast.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

MIN_HISTORY_DAYS = 28
MAX_HISTORY_DAYS = 84  # the model sees the last 12 weeks (adapts to level shifts, fits fast)
SEASON = 7
PATHS = 1000
CENT = Decimal("0.01")
QUANTILES = {"lower_95": 2.5, "lower_80": 10.0, "upper_80": 90.0, "upper_95": 97.5}


@dataclass(frozen=True)
class DayForecast:
    """One remaining day: mean cost (usage + committed) and its daily bands."""

    day: dt.date
    committed_cost: Decimal
    forecast_cost: Decimal
    bands: dict[str, Decimal]


@dataclass(frozen=True)
class MonthForecast:
    """Where one series' month lands. ``forecast_cost`` is ``None`` when there is no forecast."""

    month: dt.date
    as_of: dt.date
    days_in_month: int
    days_elapsed: int
    history_days: int
    month_to_date_cost: Decimal
    remaining_committed_cost: Decimal
    forecast_cost: Decimal | None
    bands: dict[str, Decimal | None]
    method: str
    reason: str | None
    days: tuple[DayForecast, ...] = ()


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First day of ``day``'s month and the first day of the next month."""
    first = day.replace(day=1)
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt


def simulate_usage(
    history: np.ndarray, horizon: int, paths: int = PATHS, seed: int = 0
) -> tuple[np.ndarray, str]:
    """``horizon`` × ``paths`` simulated future usage (clipped at 0) and the method's name."""
    import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401 - its import resets warning filters

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _ets_paths(history, horizon, paths, seed), "ets_weekly"
        except Exception:  # degenerate series (constant, all zero): repeat the last week + residuals
            return _seasonal_naive_paths(history, horizon, paths, seed), "seasonal_naive"


def _ets_paths(history: np.ndarray, horizon: int, paths: int, seed: int) -> np.ndarray:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    history = history[-MAX_HISTORY_DAYS:]
    if float(np.std(history)) == 0.0:
        raise ValueError("constant series")
    best = None
    for trend in (None, "add"):
        model = ETSModel(
            history,
            error="add",
            trend=trend,
            damped_trend=trend is not None,
            seasonal="add",
            seasonal_periods=SEASON,
        )
        fit = model.fit(disp=False, maxiter=100)
        if not np.isfinite(fit.aic):
            continue
        if best is None or fit.aic < best.aic:
            best = fit
    if best is None:
        raise ValueError("no ETS fit")
    sims = np.asarray(
        best.simulate(horizon, repetitions=paths, anchor="end", rng=np.random.default_rng(seed))
    )
    sims = sims.reshape(horizon, paths)
    if not np.all(np.isfinite(sims)):
        raise ValueError("non-finite simulation")
    return np.clip(sims, 0.0, None)


def _seasonal_naive_paths(history: np.ndarray, horizon: int, paths: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    last_week = history[-SEASON:]
    point = np.array([last_week[i % SEASON] for i in range(horizon)])
    resid = history[SEASON:] - history[:-SEASON]
    noise = rng.choice(resid, size=(horizon, paths)) if resid.size and np.any(resid) else 0.0
    return np.clip(point[:, None] + noise, 0.0, None)


def seasonal_naive_month(usage: Sequence[float], committed_rest: float, horizon: int) -> float:
    """Baseline: each remaining day costs what the same weekday cost in the last observed week."""
    last_week = list(usage[-SEASON:])
    return float(sum(last_week[i % SEASON] for i in range(horizon))) + committed_rest


def _dec(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENT)


def forecast_month(
    days: Sequence[dt.date],
    usage: Sequence[Decimal | None],
    committed: Sequence[Decimal],
    as_of: dt.date,
    *,
    paths: int = PATHS,
    seed: int = 0,
) -> MonthForecast:
    """Forecast the month of ``as_of`` from a dense daily series.

    ``days`` are consecutive; ``usage`` is known up to ``as_of`` (later values are ignored);
    ``committed`` must cover every day through the month end (pools are known ahead).
    """
    first, nxt = month_bounds(as_of)
    index = {d: i for i, d in enumerate(days)}
    hist_idx = [i for i, d in enumerate(days) if d <= as_of]
    history = np.array([float(usage[i] or 0) for i in hist_idx])
    mtd = sum(
        (Decimal(usage[i] or 0) + Decimal(committed[i]) for i in hist_idx if days[i] >= first), Decimal(0)
    )
    rest = [as_of + dt.timedelta(days=k) for k in range(1, (nxt - as_of).days)]
    missing = [d for d in rest if d not in index]
    if missing:
        raise ValueError(f"committed cost must cover {missing[0]} .. {missing[-1]} (pools are known ahead)")
    rest_committed = [Decimal(committed[index[d]]) for d in rest]
    common = {
        "month": first,
        "as_of": as_of,
        "days_in_month": (nxt - first).days,
        "days_elapsed": (as_of - first).days + 1,
        "history_days": len(hist_idx),
        "month_to_date_cost": mtd,
        "remaining_committed_cost": sum(rest_committed, Decimal(0)),
    }
    if not rest:
        return MonthForecast(
            **common,
            forecast_cost=mtd,
            bands=dict.fromkeys(QUANTILES, mtd),
            method="month_complete",
            reason=None,
        )
    if len(hist_idx) < MIN_HISTORY_DAYS:
        reason = f"insufficient_history: {len(hist_idx)} days, {MIN_HISTORY_DAYS} needed"
        return MonthForecast(
            **common,
            forecast_cost=None,
            bands=dict.fromkeys(QUANTILES),
            method="insufficient_history",
            reason=reason,
        )
    sims, method = simulate_usage(history, len(rest), paths, seed)
    committed_f = np.array([float(c) for c in rest_committed])
    day_rows = []
    for k, d in enumerate(rest):
        row = sims[k] + committed_f[k]
        day_rows.append(
            DayForecast(
                d,
                rest_committed[k],
                _dec(row.mean()),
                {name: _dec(np.percentile(row, q)) for name, q in QUANTILES.items()},
            )
        )
    totals = float(mtd) + sims.sum(axis=0) + committed_f.sum()
    point = mtd + sum((r.forecast_cost for r in day_rows), Decimal(0))
    bands = {name: _dec(np.percentile(totals, q)) for name, q in QUANTILES.items()}
    # the mean of the day means (``point``) is the month mean; keep the bands around it ordered
    bands["lower_80"] = min(bands["lower_80"], point)
    bands["upper_80"] = max(bands["upper_80"], point)
    bands["lower_95"] = min(bands["lower_95"], bands["lower_80"])
    bands["upper_95"] = max(bands["upper_95"], bands["upper_80"])
    return MonthForecast(
        **common, forecast_cost=point, bands=bands, method=method, reason=None, days=tuple(day_rows)
    )
