"""The month-end forecast of synthetic series: within its band, adds up, refuses short history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from forecast.backtest import backtest
from forecast.model import CENT, calibrated, forecast_month, seasonal_naive_month
from forecast.writer import forecast_all
from simulator.cost_series import simulated_history

WEEK = np.array([1.3, 1.2, 1.1, 1.1, 1.0, 0.7, 0.6])


def _series(days: int, start: dt.date = dt.date(2026, 7, 1), noise: float = 0.04, seed: int = 3):
    rng = np.random.default_rng(seed)
    dates = [start + dt.timedelta(days=k) for k in range(days)]
    usage = [Decimal(str(round(200 * WEEK[d.weekday()] * (1 + rng.normal(0, noise)), 2))) for d in dates]
    committed = [Decimal("100.000000")] * days
    return dates, usage, committed


def test_known_weekly_seasonality_lands_inside_the_band() -> None:
    dates, usage, committed = _series(92)  # July .. September
    f = forecast_month(dates, usage, committed, dt.date(2026, 9, 10), paths=400)
    actual = sum(u + c for d, u, c in zip(dates, usage, committed, strict=True) if d.month == 9)
    assert f.method == "ets_weekly_error_paths"
    assert f.bands["lower_95"] <= f.bands["lower_80"] <= f.forecast_cost <= f.bands["upper_80"]
    assert f.bands["lower_80"] <= actual <= f.bands["upper_80"]
    assert abs(f.forecast_cost - actual) / actual < Decimal("0.02")
    # the 20 remaining days follow the weekly profile: a Monday costs more than the Sunday before it
    by_day = {d.day: d for d in f.days}
    assert by_day[dt.date(2026, 9, 14)].forecast_cost > by_day[dt.date(2026, 9, 13)].forecast_cost


def test_month_to_date_plus_remainder_adds_up() -> None:
    dates, usage, committed = _series(92)
    usage = [u if d <= dt.date(2026, 9, 5) else None for d, u in zip(dates, usage, strict=True)]
    f = forecast_month(dates, usage, committed, dt.date(2026, 9, 5), paths=200)
    mtd = sum(
        u + c
        for d, u, c in zip(dates, usage, committed, strict=True)
        if dt.date(2026, 9, 1) <= d <= dt.date(2026, 9, 5)
    )
    with pytest.raises(ValueError, match="committed cost must cover 2026-09-14"):
        forecast_month(dates[:75], usage[:75], committed[:75], dt.date(2026, 9, 5))
    assert f.month_to_date_cost == mtd
    assert f.days_elapsed == 5 and len(f.days) == 25
    assert f.remaining_committed_cost == Decimal("2500.000000")
    assert f.forecast_cost == f.month_to_date_cost + sum(d.forecast_cost for d in f.days)
    assert all(d.bands["lower_95"] >= d.committed_cost for d in f.days)  # usage is never negative


def test_fewer_than_28_days_gives_no_number() -> None:
    dates, usage, committed = _series(30, start=dt.date(2026, 9, 1))
    usage = usage[:27] + [None] * 3
    f = forecast_month(dates, usage, committed, dt.date(2026, 9, 27))
    assert f.forecast_cost is None and set(f.bands.values()) == {None}
    assert f.method == "insufficient_history"
    assert f.reason == "insufficient_history: 27 days, 28 needed"
    assert f.month_to_date_cost == sum(u + c for u, c in zip(usage[:27], committed[:27], strict=True))


def test_short_history_repeats_shorter_replayed_errors_in_a_symmetric_band() -> None:
    dates, usage, committed = _series(61, start=dt.date(2026, 8, 1))
    f = forecast_month(dates, usage, committed, dt.date(2026, 9, 5))  # 36 days, 25 to forecast
    actual = sum(u + c for d, u, c in zip(dates, usage, committed, strict=True) if d.month == 9)
    # 8 replays of 14-day errors (36 − 14 warm-up − 8), each repeated over the 25 days
    assert f.method == "ets_weekly_repeated_error_paths" and f.usage.paths.shape == (25, 8)
    assert f.bands["lower_95"] <= actual <= f.bands["upper_95"]
    low, high = f.forecast_cost - f.bands["lower_80"], f.bands["upper_80"] - f.forecast_cost
    assert low > 0 and abs(high - low) <= Decimal("0.02")
    # never narrower than ETS's normal band of the 25 days' sum
    assert f.bands["upper_95"] - f.forecast_cost >= Decimal(str(round(1.96 * f.usage.sum_sd, 2))) - CENT


def test_complete_month_is_its_actual() -> None:
    dates, usage, committed = _series(61)
    f = forecast_month(dates, usage, committed, dt.date(2026, 8, 31))
    assert f.method == "month_complete"
    assert f.forecast_cost == sum(
        u + c for d, u, c in zip(dates, usage, committed, strict=True) if d.month == 8
    )


def test_seasonal_naive_repeats_the_last_week() -> None:
    week = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0]
    assert seasonal_naive_month([1.0] * 7 + week, 5.0, 9) == sum(week) + 10.0 + 20.0 + 5.0


def test_backtest_figures_on_a_small_history() -> None:
    series = simulated_history(dt.date(2026, 6, 1), 61, trend_pct_per_month=2.0)
    small = {"CC-SALES": series["CC-SALES"]}
    summary = backtest(small, origin_days=(10, 20), paths=200)
    # June 1 .. July 31: July is the only full month with 28 days of history before day 10
    assert sorted((r.cost_center, r.month.month, r.origin_day) for r in summary.rows) == [
        ("CC-SALES", 7, 10),
        ("CC-SALES", 7, 20),
    ]
    sales = next(r for r in summary.rows if r.cost_center == "CC-SALES" and r.origin_day == 20)
    assert sales.actual == float(
        sum(
            u + c
            for d, u, c in zip(
                small["CC-SALES"].days, small["CC-SALES"].usage, small["CC-SALES"].committed, strict=True
            )
            if d.month == 7
        )
    )
    assert summary.mape(10) < 5.0
    # June's origins (10 and 19 days of history) get no forecast: counted, not scored
    assert summary.skipped == 2
    lines = summary.lines()
    assert lines[0].startswith("month-total MAPE ") and "(seasonal naive " in lines[0]
    assert lines[2].startswith("coverage of the 80 % interval ")
    assert lines[-1] == (
        "2 replays scored; 2 left out: insufficient_history (fewer than 28 days before the origin, "
        "no forecast; not in either figure)"
    )
    assert 0.0 <= summary.coverage(80) <= summary.coverage(95) <= 100.0


def test_total_is_the_sum_of_its_cost_centers_with_a_joint_band() -> None:
    series = simulated_history(dt.date(2026, 5, 1), 123, trend_pct_per_month=3.0)
    run = forecast_all(series, dt.date(2026, 8, 5), paths=200)
    total = run.forecasts["ALL"]
    parts = [f for cc, f in run.forecasts.items() if cc != "ALL"]
    # no month replayed yet: calibrated with the cost centers' rolling same-weekday replays
    assert total.method == "sum_of_cost_centers_conformal" and len(parts) == 7
    assert {f.method for f in parts} == {"ets_weekly_error_paths_conformal"}
    assert total.forecast_cost == sum(f.forecast_cost for f in parts)
    assert total.month_to_date_cost == sum(f.month_to_date_cost for f in parts)
    assert [d.forecast_cost for d in total.days] == [
        sum(f.days[k].forecast_cost for f in parts) for k in range(len(total.days))
    ]
    # summed path by path, not bound by bound: narrower than the sum of the parts' bands
    width = total.bands["upper_95"] - total.bands["lower_95"]
    assert 0 < width < sum(f.bands["upper_95"] - f.bands["lower_95"] for f in parts)


def test_conformal_scores_scale_the_month_band() -> None:
    dates, usage, committed = _series(92)
    plain = forecast_month(dates, usage, committed, dt.date(2026, 9, 10))
    assert calibrated([1.0] * 11) is None  # too few scores: bands as replayed
    scores = [0.5 * k for k in range(1, 20)]  # 19 scores: ranks 16 and 19 (the largest)
    assert calibrated(scores) == {80: 8.0, 95: 9.5}
    scaled = forecast_month(dates, usage, committed, dt.date(2026, 9, 10), scores=scores)
    assert scaled.method == "ets_weekly_error_paths_conformal"
    assert scaled.forecast_cost == plain.forecast_cost and scaled.spread == plain.spread
    half = Decimal(str(plain.spread))
    assert abs(scaled.bands["upper_80"] - plain.forecast_cost - 8 * half) <= Decimal("0.01")
    assert abs(scaled.bands["upper_95"] - plain.forecast_cost - Decimal("9.5") * half) <= Decimal("0.01")
    # never below what is already spent plus the known committed cost
    assert scaled.bands["lower_95"] >= plain.month_to_date_cost + plain.remaining_committed_cost


def test_a_level_shift_the_level_has_not_caught_up_with_widens_the_band() -> None:
    """Four days after volume jumps 25 %, the month band is wider than on the same day without the
    jump, and it holds what the month then costs."""
    dates, usage, committed = _series(92)
    shift_from = dt.date(2026, 9, 7)
    shifted = [u * Decimal("1.25") if d >= shift_from else u for d, u in zip(dates, usage, strict=True)]
    as_of = dt.date(2026, 9, 10)
    calm = forecast_month(dates, usage, committed, as_of, paths=400)
    moved = forecast_month(dates, shifted, committed, as_of, paths=400)
    actual = sum(u + c for d, u, c in zip(dates, shifted, committed, strict=True) if d.month == 9)

    def width(f):  # type: ignore[no-untyped-def]
        return f.bands["upper_95"] - f.bands["lower_95"]

    assert width(moved) > Decimal("1.5") * width(calm)
    assert moved.bands["lower_95"] <= actual <= moved.bands["upper_95"]
    assert moved.forecast_cost > calm.forecast_cost  # seasonal naive's last week carries the new level
