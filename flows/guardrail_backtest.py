"""Backtest: inject overruns into a copy of the warehouse's history, rebuild the baselines with dbt,
replay every day hour by hour through the policy engine — our policy and the seed's flat rule.

1. Copy the warehouse; over the last ``months`` x 30 days, each cost-center day gets (seeded) an
   overrun of +20 % to +80 % from a random onset hour on (every later hour's cost x (1 + r)), a
   planned spike (+20 % to +50 % all day, declared as an approved planned event) or nothing.
2. Write the injected hours into ``fct_cost_center_hourly`` / ``fct_cost_center_daily`` of the copy
   and run dbt for ``fct_guardrail_baselines`` and ``dim_guardrail_hourly_profiles``: the expected
   costs are the warehouse's own, trained on history that contains the earlier injections.
3. Replay: at the end of each hour, the day's running total (and the last hours' total) go through
   :func:`guardrails.policy.assess` with the rule book's numbers, for both modes.

Reported per mode: detection rate over the overruns of >= +25 % (detected at or after the onset),
false alerts per cost center per month (any alert on a day without an injected overrun, planned
days included), median delay from onset to detection (hours, end-of-hour checks), detection by size.

Real labels (``ccfinops guardrails label``, ``fct_guardrail_trigger_days``) on the replayed days
without an injection count too: a day labelled true is a real overrun (an alert there is a
detection, none a miss; onset unknown, so no delay), an alert on a day labelled false is a false
alert. The run prints how many labels it used.
"""

from __future__ import annotations

import random
import shutil
import statistics
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from guardrails.policy import PlannedEvent, assess
from guardrails.rulebook import RuleBook
from ingestion import warehouse as _warehouse

MICRO = Decimal("0.000001")
SIZE_BUCKETS = (
    (Decimal("0.20"), Decimal("0.25")),
    (Decimal("0.25"), Decimal("0.40")),
    (Decimal("0.40"), Decimal("0.60")),
    (Decimal("0.60"), Decimal("0.801")),
)
COUNTED_FROM = Decimal("0.25")


@dataclass
class Injection:
    """What was injected into one cost-center day."""

    kind: str  # overrun | planned
    size: Decimal
    onset_hour: int = 0


@dataclass
class ModeResult:
    """Tallies of one policy mode."""

    mode: str
    months: float
    centers: int
    overruns: list[tuple[Decimal, int | None]] = field(default_factory=list)  # (size, delay h or None)
    false_alerts: int = 0
    planned_alerts: int = 0
    material: list[bool] = field(default_factory=list)  # per overrun: its excess reached the floor
    labelled_true: list[bool] = field(default_factory=list)  # per real day labelled true: alerted
    labelled_false: list[bool] = field(default_factory=list)  # per real day labelled false: alerted
    details: list[dict[str, object]] = field(default_factory=list)  # per overrun or alert, for analysis

    def counted(self) -> list[tuple[Decimal, int | None]]:
        """Overruns of at least +25 %."""
        return [o for o in self.overruns if o[0] >= COUNTED_FROM]

    @property
    def detection_rate(self) -> float:
        """Detected / (injected overruns of >= +25 % and real days labelled true)."""
        c = self.counted()
        hits = sum(1 for _, d in c if d is not None) + sum(self.labelled_true)
        total = len(c) + len(self.labelled_true)
        return hits / total if total else float("nan")

    @property
    def false_alerts_per_center_month(self) -> float:
        """Alerts on days without an overrun (planned days included) per cost center per month."""
        return (self.false_alerts + self.planned_alerts) / max(1, self.centers) / max(self.months, 1e-9)

    @property
    def median_delay(self) -> float:
        """Median hours from onset to detection (detected overruns of >= +25 %)."""
        delays = [d for _, d in self.counted() if d is not None]
        return statistics.median(delays) if delays else float("nan")

    def lines(self, prefix: str = "") -> list[str]:
        """The report lines (names as in the acceptance criteria)."""
        c = self.counted()
        detected = sum(1 for _, d in c if d is not None) + sum(self.labelled_true)
        total = len(c) + len(self.labelled_true)
        by_size = []
        for lo, hi in SIZE_BUCKETS:
            sel = [d for s, d in self.overruns if lo <= s < hi]
            hit = sum(1 for d in sel if d is not None)
            by_size.append(f"+{lo * 100:.0f}-{min(hi, Decimal('0.80')) * 100:.0f}% {hit}/{len(sel)}")
        return [
            f"{prefix}detection rate {self.detection_rate * 100:.0f} % "
            f"({detected}/{total} overruns of >= +25 %"
            + (f", {len(self.labelled_true)} of them labelled true" if self.labelled_true else "")
            + ")",
            f"{prefix}false alerts per cost center per month {self.false_alerts_per_center_month:.2f} "
            f"({self.false_alerts} on ordinary days, {self.planned_alerts} on planned days; "
            f"{self.centers} cost centers, {self.months:.1f} months)",
            f"{prefix}median delay from overrun onset to detection {self.median_delay:.1f} h",
            f"{prefix}detection by overrun size: " + ", ".join(by_size),
            f"{prefix}detection of material overruns (>= +25 % and excess >= the floor) "
            f"{self._material_detected()}",
            f"{prefix}labels used {len(self.labelled_true) + len(self.labelled_false)} "
            f"({len(self.labelled_true)} true: {sum(self.labelled_true)} detected; "
            f"{len(self.labelled_false)} false: {sum(self.labelled_false)} alerted again)",
        ]

    def _material_detected(self) -> str:
        pairs = [
            (s, d) for (s, d), m in zip(self.overruns, self.material, strict=True) if m and s >= COUNTED_FROM
        ]
        hit = sum(1 for _, d in pairs if d is not None)
        rate = f"{hit / len(pairs) * 100:.0f} %" if pairs else "n/a"
        return f"{rate} ({hit}/{len(pairs)})"


@dataclass
class BacktestResult:
    """Both modes of one run."""

    months: int
    seed: int
    ours: ModeResult
    seed_rule: ModeResult
    policy_mode: str

    def table(self) -> str:
        """Our policy's lines first, then the seed rule's, prefixed ``seed rule:``."""
        head = (
            f"backtest: {self.months} month(s), seed {self.seed}, {self.ours.centers} cost centers, "
            f"policy in force: {self.policy_mode}"
        )
        return "\n".join([head, *self.ours.lines(), *self.seed_rule.lines("seed rule: ")])


def _q(value: Decimal) -> Decimal:
    return value.quantize(MICRO, rounding=ROUND_HALF_UP)


def plan_injections(
    centers: list[str], days: list[date], seed: int, overrun_p: float = 0.08, planned_p: float = 0.03
) -> dict[tuple[str, date], Injection]:
    """Seeded overruns (+20..+80 %, onset 06:00-18:59 UTC) and planned spikes (+20..+50 %)."""
    rng = random.Random(seed)
    out = {}
    for cc in centers:
        for day in days:
            roll = rng.random()
            if roll < overrun_p:
                size = Decimal(str(round(rng.uniform(0.20, 0.80), 3)))
                out[(cc, day)] = Injection("overrun", size, rng.randint(6, 18))
            elif roll < overrun_p + planned_p:
                out[(cc, day)] = Injection("planned", Decimal(str(round(rng.uniform(0.20, 0.50), 3))))
    return out


def _injected(hours: list[Decimal], inj: Injection | None) -> list[Decimal]:
    if inj is None:
        return hours
    start = 0 if inj.kind == "planned" else inj.onset_hour
    return [_q(c * (1 + inj.size)) if h >= start else c for h, c in enumerate(hours)]


@dataclass
class Prepared:
    """An injected copy of the warehouse, rebuilt with dbt, and what the replay needs."""

    centers: list[str]
    days: list[date]
    present: set[tuple[str, date]]
    hourly: dict[tuple[str, date], list[Decimal]]
    plan: dict[tuple[str, date], Injection]
    excess: dict[tuple[str, date], Decimal]
    labels: dict[tuple[str, date], bool]
    book: RuleBook


def run_backtest(
    db_path: Path,
    *,
    months: int,
    seed: int = 7,
    schema: str = "analytics",
    dbt_vars: dict[str, object] | None = None,
) -> BacktestResult:
    """Inject, rebuild the baselines with dbt on a copy, replay both modes hour by hour."""
    with tempfile.TemporaryDirectory(prefix="ccfinops-backtest-") as tmp:
        copy = Path(tmp) / "backtest.duckdb"
        shutil.copy(db_path, copy)
        prep = prepare(copy, months=months, seed=seed, schema=schema, dbt_vars=dbt_vars)
    return replay(prep, months=months, seed=seed)


def prepare(
    copy: Path,
    *,
    months: int,
    seed: int,
    schema: str = "analytics",
    dbt_vars: dict[str, object] | None = None,
) -> Prepared:
    """Inject overruns and planned spikes into ``copy`` (a copy of the warehouse), rebuild with dbt."""
    import json

    from flows.dbt_runner import run_dbt

    con = _warehouse.connect(str(copy))
    try:
        unattributed = con.execute(
            f"select distinct unattributed_cost_center from {schema}.dim_guardrail_receiver_settings"
        ).fetchone()[0]
        newest = con.execute(f"select max(cost_date) from {schema}.fct_cost_center_daily").fetchone()[0]
        if newest is None:
            raise ValueError("no daily cost history: build the warehouse first")
        last = newest - timedelta(days=1)  # the newest day may still be in progress
        first = last - timedelta(days=months * 30 - 1)
        centers = [
            r[0]
            for r in con.execute(
                f"select distinct cost_center from {schema}.fct_cost_center_daily "
                "where cost_date >= ? and cost_center <> ? order by 1",
                [first, unattributed],
            ).fetchall()
        ]
        hourly: dict[tuple[str, date], list[Decimal]] = {}
        for cc, day, hour, cost in con.execute(
            "select cost_center, cost_date, hour_of_day, hourly_cost "
            f"from {schema}.fct_cost_center_hourly where cost_date >= ?",
            [first],
        ).fetchall():
            hourly.setdefault((cc, day), [Decimal(0)] * 24)[hour] = Decimal(cost)
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        # the cost-center days the warehouse has (dense from a cost center's first day of usage):
        # a day before it has no cost to overrun and no alert to raise, so it is not replayed
        present = {
            (cc, day)
            for cc, day in con.execute(
                f"select cost_center, cost_date from {schema}.fct_cost_center_daily "
                "where cost_date between ? and ?",
                [first, last],
            ).fetchall()
        }
        labels = read_labels(con, schema, first, last)
        plan = {key: inj for key, inj in plan_injections(centers, days, seed).items() if key in present}
        updates_h, updates_d = [], []
        excess: dict[tuple[str, date], Decimal] = {}
        for (cc, day), inj in plan.items():
            before = hourly.get((cc, day), [Decimal(0)] * 24)
            after = hourly[(cc, day)] = _injected(before, inj)
            excess[(cc, day)] = sum(after, Decimal(0)) - sum(before, Decimal(0))
            updates_h += [(after[h], cc, day, h) for h in range(24) if after[h] != before[h]]
            updates_d.append((sum(after, Decimal(0)), cc, day))
        if updates_h:
            con.executemany(
                f"update {schema}.fct_cost_center_hourly set hourly_cost = ? "
                "where cost_center = ? and cost_date = ? and hour_of_day = ?",
                updates_h,
            )
        if updates_d:
            con.executemany(
                f"update {schema}.fct_cost_center_daily set daily_cost = ? "
                "where cost_center = ? and cost_date = ?",
                updates_d,
            )
    finally:
        con.close()
    args = ["run", "--select", "fct_guardrail_baselines", "dim_guardrail_hourly_profiles"]
    args += ["dim_guardrail_receiver_settings", "dim_guardrail_intraday_bands"]
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    run_dbt(args, copy, quiet=True)
    book = RuleBook.from_warehouse(copy, schema)
    return Prepared(centers, days, present, hourly, plan, excess, labels, book)


def replay(prep: Prepared, *, months: int, seed: int) -> BacktestResult:
    """Replay every present cost-center day hour by hour through both policy modes."""
    book, plan, hourly, labels, excess = prep.book, prep.plan, prep.hourly, prep.labels, prep.excess
    centers = prep.centers
    replayed = [(cc, day) for cc in centers for day in prep.days if (cc, day) in prep.present]
    span = len(replayed) / max(1, len(centers)) / 30  # months per cost center, on average
    results = {m: ModeResult(m, span, len(centers)) for m in ("expected", "flat")}
    for cc, day in replayed:
        inj = plan.get((cc, day))
        hours = hourly.get((cc, day), [Decimal(0)] * 24)
        row = book.baseline(cc, day)
        uplift = Decimal(0)
        if inj is not None and inj.kind == "planned":
            ev = PlannedEvent(
                f"backtest {day}",
                day,
                day + timedelta(days=1),
                inj.size * 100,
                "backtest",
                "injected planned spike",
                day + timedelta(days=1),
            )
            uplift = ev.uplift_pct
        for mode, res in results.items():
            # an overrun counts as detected by any alert at or after its onset (one before it, on
            # the ordinary part of the day, does not hide a later one: the receiver decides per event)
            start = inj.onset_hour if inj is not None and inj.kind == "overrun" else 0
            hit = _first_alert(book, cc, day, hours, row, mode, uplift, start)
            label = labels.get((cc, day)) if inj is None else None
            if label is not None:
                (res.labelled_true if label else res.labelled_false).append(hit is not None)
            if inj is not None or hit is not None:
                res.details.append(
                    {"cost_center": cc, "day": day, "kind": inj.kind if inj else "ordinary", "hit": hit,
                     "size": inj.size if inj else None, "onset": inj.onset_hour if inj else None,
                     "excess": excess.get((cc, day))}
                )  # fmt: skip
            if inj is not None and inj.kind == "overrun":
                detected = hit is not None and hit >= inj.onset_hour
                res.overruns.append((inj.size, hit - inj.onset_hour + 1 if detected else None))
                res.material.append(row is not None and excess[(cc, day)] >= row.floor_amount)
            elif hit is not None and label is not True:
                if inj is not None:
                    res.planned_alerts += 1
                else:
                    res.false_alerts += 1
    mode = book.policy_mode
    return BacktestResult(months, seed, results["expected"], results["flat"], mode)


def read_labels(con, schema: str, first: date, last: date) -> dict[tuple[str, date], bool]:
    """Reviewers' labels per (cost center, day) in [first, last] (the newest of the day wins, in dbt)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, "fct_guardrail_trigger_days"],
    ).fetchone()[0]
    if not exists:
        return {}
    rows = con.execute(
        f"select cost_center, cost_date, is_true_alert from {schema}.fct_guardrail_trigger_days "
        "where is_true_alert is not null and cost_date between ? and ?",
        [first, last],
    ).fetchall()
    return {(cc, day): bool(flag) for cc, day, flag in rows}


def _first_alert(
    book: RuleBook,
    cc: str,
    day: date,
    hours: list[Decimal],
    row: object,
    mode: str,
    uplift: Decimal,
    from_hour: int = 0,
) -> int | None:
    """The first end-of-hour check from ``from_hour`` on at which the policy would act."""
    from datetime import datetime, time

    running = Decimal(0)
    window = book.window_hours
    for h in range(24):
        running += hours[h]
        if h < from_hour:
            continue
        end_of_hour = datetime.combine(day, time(h, 59, 59, 999999))
        share = (
            book.cumulative_share(
                cc, end_of_hour.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            )
            if h < 23
            else Decimal(1)
        )
        w_total = w_share = None
        if window > 0:
            first = max(0, h - window + 1)
            w_total = sum(hours[first : h + 1], Decimal(0))
            w_share = book.cumulative_share(cc, datetime.combine(day, time(first)))
        breach, *_ = assess(
            row,  # type: ignore[arg-type]
            mode=mode,
            consumption=running,
            share_now=share,
            window_consumption=w_total,
            share_window_start=w_share,
            uplift_pct=uplift,
            window_band_factor=book.window_band_factor,
            band_exponent=book.band_exponent,
            intraday_band=book.intraday_band(cc, end_of_hour),
            floor_min=book.floor_min,
            pace_band=book.pace_band(cc, end_of_hour),
            pace_min_share=book.pace_min_share,
        )
        if breach:
            return h
    return None
