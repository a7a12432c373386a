"""Backtest: replay daily cost history through the policy engine with injected overruns.

History is the warehouse's daily cost per cost center (``fct_guardrail_baselines.daily_cost``, i.e.
the simulator's history after ingestion and dbt). Over the last ``months`` × 30 days, each cost-center
day gets, with fixed seeded probabilities, an injected overrun (+15 % to +60 %), a legitimate planned
spike (declared as a planned event with its uplift) or nothing. Every day is then replayed hour by hour
(a contact-center intraday profile) against the bound computed from the replayed history before it
(days flagged as breaches or planned are excluded from later baselines, as in the receiver).

Reported: detection rate (injected days that crossed the bound), false alerts per cost center per
month (bound crossed on a day with nothing injected), time to detect (hours into the UTC day).
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from guardrails.baselines import BaselineHistory, DailyCost
from guardrails.policy import PlannedEvent, PolicySet, compute_bound

MICRO = Decimal("0.000001")
# share of a day's cost by UTC hour (contact-center day: 07:00-21:00 busy)
HOURLY_PROFILE = [
    0.2,
    0.1,
    0.1,
    0.1,
    0.1,
    0.2,
    0.6,
    2.0,
    5.0,
    8.0,
    9.0,
    9.0,
    8.5,
    8.5,
    9.0,
    9.0,
    8.0,
    7.0,
    5.5,
    4.0,
    2.5,
    1.5,
    0.8,
    0.3,
]
CUMULATIVE = [sum(HOURLY_PROFILE[: h + 1]) / sum(HOURLY_PROFILE) for h in range(24)]


@dataclass
class CenterResult:
    """Per cost center tallies."""

    injected: int = 0
    detected: int = 0
    false_alerts: int = 0
    planned: int = 0
    planned_alerts: int = 0
    days: int = 0
    hours_to_detect: list[int] = field(default_factory=list)
    missed_overruns: list[Decimal] = field(default_factory=list)  # injected +x (fraction) not detected


@dataclass
class BacktestResult:
    """Totals and per-cost-center rows."""

    months: int
    seed: int
    centers: dict[str, CenterResult]

    @property
    def injected(self) -> int:
        """Injected overrun days."""
        return sum(c.injected for c in self.centers.values())

    @property
    def detected(self) -> int:
        """Injected days detected."""
        return sum(c.detected for c in self.centers.values())

    @property
    def detection_rate(self) -> float:
        """detected / injected."""
        return self.detected / self.injected if self.injected else float("nan")

    @property
    def false_alerts_per_center_month(self) -> float:
        """False alerts (incl. on planned days) per cost center per month."""
        false = sum(c.false_alerts + c.planned_alerts for c in self.centers.values())
        return false / max(1, len(self.centers)) / max(1, self.months)

    @property
    def missed(self) -> list[Decimal]:
        """Injected overruns (fractions) that were never detected."""
        return [m for c in self.centers.values() for m in c.missed_overruns]

    @property
    def median_hours_to_detect(self) -> float:
        """Median hours into the day at detection."""
        hours = [h for c in self.centers.values() for h in c.hours_to_detect]
        return statistics.median(hours) if hours else float("nan")

    def table(self) -> str:
        """A plain-text report."""
        lines = [
            f"backtest: {self.months} month(s), seed {self.seed}, {len(self.centers)} cost centers",
            f"detection rate {self.detection_rate:.1%} ({self.detected}/{self.injected} injected overruns; "
            f"target >= 90%)",
            f"false alerts per cost center per month {self.false_alerts_per_center_month:.2f} (target <= 1)",
            f"median time to detect {self.median_hours_to_detect:.1f} h into the UTC day",
            f"missed overruns: {', '.join(f'+{m:.0%}' for m in sorted(self.missed)) or 'none'}",
            f"{'cost center':<16}{'days':>6}{'injected':>10}{'detected':>10}{'false':>7}{'planned':>9}"
            f"{'planned alerts':>16}",
        ]
        for name, c in sorted(self.centers.items()):
            lines.append(
                f"{name:<16}{c.days:>6}{c.injected:>10}{c.detected:>10}{c.false_alerts:>7}{c.planned:>9}"
                f"{c.planned_alerts:>16}"
            )
        return "\n".join(lines)


def run_backtest(
    history: BaselineHistory,
    policies: PolicySet,
    *,
    months: int,
    seed: int = 7,
    overrun_probability: float = 0.08,
    planned_probability: float = 0.03,
    registry_bands: dict[str, Decimal] | None = None,
) -> BacktestResult:
    """Replay the last ``months`` × 30 days of every cost center with enough earlier history."""
    rng = random.Random(seed)
    registry_bands = registry_bands or {}
    results: dict[str, CenterResult] = {}
    for center in sorted(history.by_center):
        days = history.by_center[center]
        if not days:
            continue
        last = max(days)
        start = last - timedelta(days=months * 30 - 1)
        replayed = BaselineHistory(source="backtest")
        replayed.by_center[center] = {d: replace(v, status="ok") for d, v in days.items() if d < start}
        res = results[center] = CenterResult()
        planned: list[PlannedEvent] = []
        day = start
        while day <= last:
            actual = days.get(day, DailyCost(day, Decimal(0), None)).daily_cost
            roll = rng.random()
            kind = "none"
            cost = actual
            overrun = Decimal(0)
            if roll < overrun_probability:
                kind = "overrun"
                overrun = Decimal(str(round(rng.uniform(0.15, 0.60), 3)))
                cost = actual * (1 + overrun)
            elif roll < overrun_probability + planned_probability:
                kind = "planned"
                uplift = Decimal(str(round(rng.uniform(0.2, 0.5), 3)))
                cost = actual * (1 + uplift)
                planned.append(PlannedEvent(f"backtest {day}", day, day + timedelta(days=1), uplift * 100))
            cost = cost.quantize(MICRO, rounding=ROUND_HALF_UP)
            pols = _with_planned(policies, center, planned)
            _, upper, _, _, _ = compute_bound(pols, replayed, center, day, registry_bands.get(center))
            floor = pols.for_center(center).floor_amount
            hour = _detection_hour(cost, upper, floor)
            res.days += 1
            status = "ok"
            if kind == "overrun":
                res.injected += 1
                if hour is not None:
                    res.detected += 1
                    res.hours_to_detect.append(hour + 1)
                else:
                    res.missed_overruns.append(overrun)
            elif kind == "planned":
                res.planned += 1
                status = "planned"
                if hour is not None:
                    res.planned_alerts += 1
            elif hour is not None:
                res.false_alerts += 1
            if hour is not None and kind != "planned":
                status = "breach"
            replayed.by_center[center][day] = DailyCost(day, cost, status)
            day += timedelta(days=1)
    return BacktestResult(months, seed, results)


def _detection_hour(cost: Decimal, upper: Decimal | None, floor: Decimal) -> int | None:
    if upper is None:
        return None
    for hour, share in enumerate(CUMULATIVE):
        running = cost * Decimal(str(share))
        if running > upper and running >= floor:
            return hour
    return None


def _with_planned(policies: PolicySet, center: str, planned: list[PlannedEvent]) -> PolicySet:
    """A copy of the policies whose ``center`` also has the backtest's planned events."""
    if not planned:
        return policies
    clone = object.__new__(PolicySet)
    clone.__dict__.update(policies.__dict__)
    base = policies.for_center(center)
    clone.centers = {
        **policies.centers,
        center: replace(base, planned_events=(*base.planned_events, *planned)),
    }
    return clone
