"""Forecast the rest of a month from one daily cost series; the total from its cost centers.

The usage part is fitted with statsmodels' ETS on the last 12 weeks (additive error; no trend, damped
or linear additive trend chosen by AIC; additive weekly seasonality); committed pool cost is known
and added as is. The point combines ETS's forecast and seasonal naive's (each remaining day = the
same weekday of the last week), ``NAIVE_WEIGHT`` on the latter: ETS averages the noise of 12 weeks
but its level follows a trend or a shift only by α a day; the last week follows them at once but
carries its noise. In ``benchmarks/forecast_backtest.py`` (MAPE from day 10) the combination beats
seasonal naive on every series and ETS alone on the level-shift series (0.57 → 0.52 %, seed 11) and
the demo warehouse (0.28 → 0.26 %), at a small cost on flat series (0.13 → 0.15–0.16 %); the weight
(0.6) was compared with 0.4 and 0.5 on those backtests, not fitted per series.

Bands (method ``ets_weekly_error_paths``): ETS's own simulation assumes its fitted parameters and
the current level are exact, and its bands were too narrow in the backtest (80 % band: 52–75 %
empirical coverage). Instead, the point's own *multi-step forecast errors* over the fitted history
are replayed: from every past origin ``t`` (filtered states, so only data up to ``t`` enter the
level), the ``h``-day forecast path is compared with what happened, and each error path is one
simulated future (point path + that error path, clipped at 0). Each path also gets one level error
whose spread is the absolute mean of the last week's one-step errors (``_recent_drift``): about
σ/√7 on an ordinary week, large after a level shift the level has not caught up with yet. A month
total's band takes order statistics of those sums at split-conformal ranks (``⌊(n+1)·α/2⌋`` and
``⌈(n+1)·(1−α/2)⌉`` of ``n`` origins), so level, trend and parameter errors are in the band as they
occurred. Daily bands come from the same paths; daily bands do not add up, month totals are taken
from whole paths. Too few origins for the whole horizon (short history, first month): the error
paths of the longest horizon that still has ``MIN_ORIGINS`` replays (at least a week) are repeated
to cover the horizon (``ets_weekly_repeated_error_paths``: a level error persists, so the month
sum's error grows with the days left). Shorter still: ETS's simulation (``ets_weekly_simulated``).
Without calibration scores the month band is symmetric around the point and never narrower than
any of: the conformal rank of the paths' absolute deviations, the normal prediction interval of
those deviations (``t(n−1) · rms · √(1 + 1/n)``: with eight replays the largest is no 95 % bound),
ETS's normal band of the remaining sum (``_sum_sd``: residual σ, level smoothing α; the total: the
parts' σ added, as if fully correlated), and the gap to the farthest candidate model (the other
ETS trend forms, seasonal naive): with five weeks of history the choice between them is itself
uncertain.

The total (``TOTAL``) is not fitted: its point forecast is the sum of the cost centers' and its
band comes from summing their paths origin by origin (``sum_of_cost_centers``), so the cost centers'
joint errors (a shared level shift) are in it. Fewer than ``MIN_HISTORY_DAYS`` days: no forecast.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

MIN_HISTORY_DAYS = 28
MAX_HISTORY_DAYS = 84  # the model sees the last 12 weeks (a trend shows; the level still adapts)
SEASON = 7
PATHS = 1000
WARMUP = 14  # origins before this (states still near their initial values) are not replayed
MIN_ORIGINS = 8
MIN_SCORES = 12  # calibration scores needed before the bands are scaled (split conformal)
CALIBRATION_MONTHS = 3  # scores come from the forecasts of the last 3 complete months
NAIVE_WEIGHT = 0.6  # the point: (1 - w) · ETS + w · seasonal naive (backtests: 0.4 / 0.5 / 0.6 compared)
TOTAL = "ALL"  # dbt var('forecast_total_cost_center')
CENT = Decimal("0.01")
Z = {80: 1.2816, 95: 1.9600}  # normal quantiles of the two-sided 80 % / 95 % bands
QUANTILES = {"lower_95": 2.5, "lower_80": 10.0, "upper_80": 90.0, "upper_95": 97.5}
EMPIRICAL, REPEATED, SIMULATED, NAIVE, SUMMED = (
    "ets_weekly_error_paths",
    "ets_weekly_repeated_error_paths",
    "ets_weekly_simulated",
    "seasonal_naive",
    "sum_of_cost_centers",
)


@dataclass(frozen=True)
class DayForecast:
    """One remaining day: mean cost (usage + committed) and its daily bands."""

    day: dt.date
    committed_cost: Decimal
    forecast_cost: Decimal
    bands: dict[str, Decimal]


@dataclass(frozen=True)
class UsagePaths:
    """Point path (``horizon``) and simulated usage paths (``horizon`` × columns), clipped at 0.

    ``keys`` name each column's origin (days before the forecast day) when the paths are replayed
    errors; columns of different series with the same key happened on the same day.
    """

    point: np.ndarray
    paths: np.ndarray
    keys: np.ndarray | None
    method: str
    sum_sd: float = 0.0  # ETS's standard deviation of the horizon's sum (local-level approximation)
    model_spread: float = 0.0  # largest gap between the point's horizon sum and a candidate model's


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
    usage: UsagePaths | None = field(default=None, repr=False, compare=False)
    committed_rest: tuple[Decimal, ...] = field(default=(), repr=False, compare=False)
    spread: float | None = field(default=None, repr=False, compare=False)  # uncalibrated 80 % half-width


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First day of ``day``'s month and the first day of the next month."""
    first = day.replace(day=1)
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt


def usage_paths(history: np.ndarray, horizon: int, paths: int = PATHS, seed: int = 0) -> UsagePaths:
    """Future usage paths of ``history`` over ``horizon`` days (see the module docstring)."""
    import statsmodels.tsa.exponential_smoothing.ets  # noqa: F401 - its import resets warning filters

    history = history[-MAX_HISTORY_DAYS:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fits = _ets_fits(history)
        except Exception:  # degenerate series (constant, all zero): repeat the last week + residuals
            return _seasonal_naive_paths(history, horizon, paths, seed)
        fit = fits[0]
        end = len(history) - 1
        point = np.clip(_point(fit, history, end, horizon), 0.0, None)
        level_sd = _recent_drift(fit)
        sd = _sum_sd(fit, horizon)
        candidates = [_ets_point(f, end, horizon).sum() for f in fits] + [
            _naive_point(history, end, horizon).sum()
        ]
        spread = float(max(abs(c - point.sum()) for c in candidates))

        def replayed(errors: np.ndarray, origins: range, method: str) -> UsagePaths:
            """Point + each origin's error path (+ its level error) as one simulated future."""
            keys = np.array([len(history) - 1 - t for t in origins])
            errors = errors + _level_offsets(level_sd, len(origins), seed)[:, None]
            return UsagePaths(point, np.clip(point[:, None] + errors.T, 0.0, None), keys, method, sd, spread)

        origins = range(len(history) - horizon - 1, WARMUP - 1, -1)  # keys (days before) ascending
        if len(origins) >= MIN_ORIGINS:
            errors = np.array(
                [history[t + 1 : t + 1 + horizon] - _point(fit, history, t, horizon) for t in origins]
            )
            return replayed(errors, origins, EMPIRICAL)
        step = len(history) - WARMUP - MIN_ORIGINS  # the longest horizon with MIN_ORIGINS replays
        if step >= SEASON:  # too short to replay the whole horizon: repeat shorter error paths
            origins = range(len(history) - step - 1, WARMUP - 1, -1)
            short = [history[t + 1 : t + 1 + step] - _point(fit, history, t, step) for t in origins]
            errors = np.array([np.resize(e, horizon) for e in short])
            return replayed(errors, origins, REPEATED)
        sims = np.asarray(
            fit.simulate(horizon, repetitions=paths, anchor="end", rng=np.random.default_rng(seed))
        ).reshape(horizon, paths)
        if not np.all(np.isfinite(sims)):
            return _seasonal_naive_paths(history, horizon, paths, seed)
        sims = sims + (point - _ets_point(fit, end, horizon))[:, None]  # centred on the combined point
        sims = sims + _level_offsets(level_sd, paths, seed)[None, :]
        return UsagePaths(point, np.clip(sims, 0.0, None), None, SIMULATED, sd, spread)


def _recent_drift(fit) -> float:  # type: ignore[no-untyped-def]
    """How far the level may be off now: the absolute mean of the last week's one-step errors.

    About σ/√7 on an ordinary week; after a level shift (a campaign launched, a queue rerouted) ETS's
    level follows only by α a day and the errors pile up on one side, so the paths widen until the
    level has caught up.
    """
    resid = np.asarray(fit.resid, dtype=float)[-SEASON:]
    return float(abs(np.mean(resid))) if resid.size else 0.0


def _level_offsets(level_sd: float, count: int, seed: int) -> np.ndarray:
    """One level error per path (all days of a path move together), standard deviation ``level_sd``."""
    if level_sd <= 0:
        return np.zeros(count)
    return np.random.default_rng(seed + 1).normal(0.0, level_sd, count)


def _point(fit, history: np.ndarray, t: int, horizon: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The point forecast from day ``t``: ETS's and seasonal naive's, ``NAIVE_WEIGHT`` on the latter."""
    return (1 - NAIVE_WEIGHT) * _ets_point(fit, t, horizon) + NAIVE_WEIGHT * _naive_point(history, t, horizon)


def _naive_point(history: np.ndarray, t: int, horizon: int) -> np.ndarray:
    """Seasonal naive from day ``t``: each day costs what the same weekday cost in the week to ``t``."""
    return np.resize(history[max(t - SEASON + 1, 0) : t + 1], horizon)


def _sum_sd(fit, horizon: int) -> float:  # type: ignore[no-untyped-def]
    """Standard deviation of the sum of the next ``horizon`` days under ETS's level equation: an
    error ``k`` days before the end also moves the level of the ``k`` days after it by ``α`` each."""
    alpha = float(fit.params[list(fit.param_names).index("smoothing_level")])
    sigma = float(np.std(np.asarray(fit.resid)))
    k = np.arange(horizon)
    return sigma * math.sqrt(float(np.sum((1 + alpha * k) ** 2)))


def _ets_fits(history: np.ndarray) -> list:  # type: ignore[type-arg]
    """The finite ETS fits (no trend, damped, linear additive trend), best AIC first."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if float(np.std(history)) == 0.0:
        raise ValueError("constant series")
    fits = []
    for trend, damped in ((None, False), ("add", True), ("add", False)):
        model = ETSModel(
            history,
            error="add",
            trend=trend,
            damped_trend=damped,
            seasonal="add",
            seasonal_periods=SEASON,
        )
        fit = model.fit(disp=False, maxiter=100)
        if np.isfinite(fit.aic) and np.all(np.isfinite(fit.states)):
            fits.append(fit)
    if not fits:
        raise ValueError("no ETS fit")
    return sorted(fits, key=lambda f: f.aic)


def _ets_point(fit, t: int, horizon: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """ETS(A, Ad|N, A) mean forecast of days ``t+1 .. t+horizon`` from the filtered state at ``t``."""
    states = np.asarray(fit.states)
    trend = states.shape[1] == 3
    level, slope = states[t, 0], (states[t, 1] if trend else 0.0)
    names = list(fit.param_names)
    phi = float(fit.params[names.index("damping_trend")]) if "damping_trend" in names else 1.0
    steps = np.arange(1, horizon + 1)
    damped = np.cumsum(phi**steps) if trend else np.zeros(horizon)
    season = states[t + steps - SEASON * ((steps - 1) // SEASON + 1), -1]  # t >= SEASON - 1
    return level + damped * slope + season


def _seasonal_naive_paths(history: np.ndarray, horizon: int, paths: int, seed: int) -> UsagePaths:
    rng = np.random.default_rng(seed)
    point = _naive_point(history, len(history) - 1, horizon)
    resid = history[SEASON:] - history[:-SEASON]
    noise = rng.choice(resid, size=(horizon, paths)) if resid.size and np.any(resid) else 0.0
    sims = np.clip(point[:, None] + noise, 0.0, None) * np.ones((1, paths))
    return UsagePaths(point, sims, None, NAIVE)


def seasonal_naive_month(usage: Sequence[float], committed_rest: float, horizon: int) -> float:
    """Baseline: each remaining day costs what the same weekday cost in the last observed week."""
    history = np.asarray(usage, dtype=float)
    return float(_naive_point(history, len(history) - 1, horizon).sum()) + committed_rest


def _dec(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2))).quantize(CENT)


def _ranks(n: int, q: float) -> int:
    """0-based order statistic of ``n`` values for the quantile ``q`` (percent), conformal ranks."""
    alpha = q / 100 if q < 50 else 1 - q / 100
    k = math.floor((n + 1) * alpha) if q < 50 else math.ceil((n + 1) * (1 - alpha))
    return min(max(k, 1), n) - 1


def _quantiles(values: np.ndarray) -> dict[str, float]:
    ordered = np.sort(values)
    return {name: float(ordered[_ranks(len(ordered), q)]) for name, q in QUANTILES.items()}


def forecast_month(
    days: Sequence[dt.date],
    usage: Sequence[Decimal | None],
    committed: Sequence[Decimal],
    as_of: dt.date,
    *,
    paths: int = PATHS,
    seed: int = 0,
    scores: Sequence[float] = (),
) -> MonthForecast:
    """Forecast the month of ``as_of`` from a dense daily series.

    ``days`` are consecutive; ``usage`` is known up to ``as_of`` (later values are ignored);
    ``committed`` must cover every day through the month end (pools are known ahead).
    ``scores``: calibration scores of earlier months (``conformity_score``); see ``calibrated``.
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
    rest_committed = tuple(Decimal(committed[index[d]]) for d in rest)
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
    usage_f = usage_paths(history, len(rest), paths, seed)
    return _from_paths(common, rest, rest_committed, usage_f, scores)


def _from_paths(
    common: dict,
    rest: list[dt.date],
    rest_committed: Sequence[Decimal],
    usage: UsagePaths,
    scores: Sequence[float] = (),
    day_points: Sequence[Decimal] | None = None,
) -> MonthForecast:
    """Day rows, the month point (month to date + the rounded day points) and the month-total bands."""
    committed_f = np.array([float(c) for c in rest_committed])
    day_rows = []
    for k, d in enumerate(rest):
        q = _quantiles(usage.paths[k])
        day_rows.append(
            DayForecast(
                d,
                rest_committed[k],
                _dec(usage.point[k] + committed_f[k]) if day_points is None else day_points[k],
                {name: _dec(v + committed_f[k]) for name, v in q.items()},
            )
        )
    mtd = common["month_to_date_cost"]
    point = mtd + sum((r.forecast_cost for r in day_rows), Decimal(0))
    totals = float(mtd) + usage.paths.sum(axis=0) + committed_f.sum()
    bands = {name: _dec(v) for name, v in _quantiles(totals).items()}
    floor = float(common["remaining_committed_cost"]) + float(mtd)  # usage is never negative
    spread = usage_spread(usage)
    method = usage.method
    factors = calibrated(scores)
    if factors is not None:
        method += "_conformal"
        halves = {level: q * spread for level, q in factors.items()}
    else:  # symmetric: few, overlapping replays often err to one side only
        halves = {
            level: max(half, Z[level] * usage.sum_sd, Z[level] / Z[95] * usage.model_spread)
            for level, half in replayed_halves(usage).items()
        }
    for level, half in halves.items():
        bands[f"lower_{level}"] = _dec(max(float(point) - half, floor))
        bands[f"upper_{level}"] = _dec(float(point) + half)
    # keep the bands ordered around the point forecast
    bands["lower_80"] = min(bands["lower_80"], point)
    bands["upper_80"] = max(bands["upper_80"], point)
    bands["lower_95"] = min(bands["lower_95"], bands["lower_80"])
    bands["upper_95"] = max(bands["upper_95"], bands["upper_80"])
    return MonthForecast(
        **common,
        forecast_cost=point,
        bands=bands,
        method=method,
        reason=None,
        days=tuple(day_rows),
        usage=usage,
        committed_rest=tuple(rest_committed),
        spread=spread,
    )


def replayed_halves(usage: UsagePaths) -> dict[int, float]:
    """Uncalibrated half-widths of the month band from the ``n`` paths' deviations from the point: the
    larger of the conformal rank ``⌈(n+1)·L⌉`` of their absolute values (the largest when that rank
    exceeds ``n``) and the normal prediction interval ``t(n−1) · rms · √(1 + 1/n)`` — with few replays
    (first month) the largest of eight is no 95 % bound."""
    from scipy.stats import t as student_t

    deviations = usage.paths.sum(axis=0) - float(usage.point.sum())
    ordered = np.sort(np.abs(deviations))
    n = len(ordered)
    rms = float(np.sqrt(np.mean(deviations**2))) if n else 0.0
    out = {}
    for level in (80, 95):
        conformal = float(ordered[min(math.ceil((n + 1) * level / 100), n) - 1])
        normal = (
            float(student_t.ppf((1 + level / 100) / 2, n - 1)) * rms * math.sqrt(1 + 1 / n) if n > 1 else 0.0
        )
        out[level] = max(conformal, normal)
    return out


def usage_spread(usage: UsagePaths) -> float:
    """Half the width of the uncalibrated 80 % band of the paths' sums (the calibration's unit)."""
    q = _quantiles(usage.paths.sum(axis=0))
    return max((q["upper_80"] - q["lower_80"]) / 2, 1e-3 * float(usage.point.sum()), 0.01)


def rolling_scores(usage: Sequence[float], as_of_index: int, horizon: int, origins: int = 3) -> list[float]:
    """Calibration scores when no month has been replayed yet: ``horizon``-day forecasts made
    ``horizon + 7·j`` days before the forecast day (same weekday, ``j < origins``) from the data before
    them, scored against what followed (``|actual − point| / usage_spread``); origins with fewer than
    ``MIN_HISTORY_DAYS`` days before them are skipped."""
    out = []
    for j in range(origins):
        origin = as_of_index - horizon - SEASON * j
        if origin + 1 < MIN_HISTORY_DAYS:
            break
        history = np.array([float(u or 0) for u in usage[: origin + 1]])
        paths = usage_paths(history, horizon)
        actual = float(sum(float(u or 0) for u in usage[origin + 1 : origin + 1 + horizon]))
        out.append(abs(actual - float(paths.point.sum())) / usage_spread(paths))
    return out


def conformity_score(f: MonthForecast, actual: float) -> float | None:
    """How far the month's actual total fell from ``f``'s point, in ``f``'s uncalibrated half-widths."""
    if f.forecast_cost is None or f.spread is None:
        return None
    return abs(actual - float(f.forecast_cost)) / f.spread


def calibrated(scores: Sequence[float]) -> dict[int, float] | None:
    """Split-conformal multipliers of the half-width for the 80 % / 95 % bands (``None``: too few).

    The multiplier for level ``L`` is the ``⌈(n+1)·L⌉``-th smallest of ``n`` scores of forecasts
    whose month had ended before this forecast was made (the largest when that rank exceeds ``n``).
    """
    if len(scores) < MIN_SCORES:
        return None
    ordered = sorted(scores)
    n = len(ordered)
    return {level: ordered[min(math.ceil((n + 1) * level / 100), n) - 1] for level in (80, 95)}


def forecast_total(
    parts: Mapping[str, MonthForecast], seed: int = 0, scores: Sequence[float] = ()
) -> MonthForecast | None:
    """The total of ``parts`` (same month and forecast day): sums of their points and paths.

    ``None`` when a part has no forecast or the parts disagree on the day (the caller fits the
    total's own series instead). Replayed-error parts are summed origin by origin over the origins
    they share; otherwise each part's columns are resampled to a common count (same origin drawn
    for every replayed part) and summed column by column.
    """
    forecasts = list(parts.values())
    if not forecasts or len({(f.as_of, f.month) for f in forecasts}) != 1:
        return None
    if any(f.forecast_cost is None for f in forecasts):
        return None
    f0 = forecasts[0]
    common = {
        "month": f0.month,
        "as_of": f0.as_of,
        "days_in_month": f0.days_in_month,
        "days_elapsed": f0.days_elapsed,
        "history_days": max(f.history_days for f in forecasts),
        "month_to_date_cost": sum((f.month_to_date_cost for f in forecasts), Decimal(0)),
        "remaining_committed_cost": sum((f.remaining_committed_cost for f in forecasts), Decimal(0)),
    }
    open_parts = [f for f in forecasts if f.usage is not None]
    if not open_parts:  # the month is complete
        total = common["month_to_date_cost"]
        return MonthForecast(
            **common, forecast_cost=total, bands=dict.fromkeys(QUANTILES, total), method="month_complete",
            reason=None,
        )  # fmt: skip
    usages = [f.usage for f in open_parts if f.usage is not None]
    rest = [d.day for d in open_parts[0].days]
    committed = tuple(sum((f.committed_rest[k] for f in open_parts), Decimal(0)) for k in range(len(rest)))
    shared = _shared_keys(usages)
    if shared is not None:
        paths = sum(u.paths[:, np.searchsorted(u.keys, shared)] for u in usages if u.keys is not None)
    else:
        paths = _resampled_sum(usages, seed)
    point = np.sum([u.point for u in usages], axis=0)
    summed = UsagePaths(
        point,
        np.asarray(paths),
        shared,
        SUMMED,
        sum(u.sum_sd for u in usages),
        sum(u.model_spread for u in usages),
    )
    # the total's day (and so month) points are exactly the sums of the cost centers' rounded ones
    day_points = [sum((f.days[k].forecast_cost for f in open_parts), Decimal(0)) for k in range(len(rest))]
    return _from_paths(common, rest, committed, summed, scores, day_points)


def _shared_keys(usages: Sequence[UsagePaths]) -> np.ndarray | None:
    if any(u.keys is None for u in usages):
        return None
    shared = np.array(sorted(set.intersection(*(set(u.keys.tolist()) for u in usages if u.keys is not None))))
    if len(shared) < MIN_ORIGINS:
        return None
    return shared


def _resampled_sum(usages: Sequence[UsagePaths], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    count = max(PATHS, *(u.paths.shape[1] for u in usages))
    draws = rng.random(count)  # one uniform per column: the same origin rank for every replayed part
    total = np.zeros((usages[0].paths.shape[0], count))
    for u in usages:
        cols = np.minimum((draws * u.paths.shape[1]).astype(int), u.paths.shape[1] - 1)
        total += u.paths[:, cols]
    return total
