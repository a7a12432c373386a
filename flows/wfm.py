"""WFM cost constraints per queue and shift, computed from the marts, in the scheduling payload.

``maxCostPerHour`` = the queue's mean cost per hour inside the shift's local hours over the last
``history_days`` days before the target week (every hour counts, quiet ones too), plus ``headroom_pct``
(default 15 %, the guardrail band), rounded half-up to the cent; a queue × shift without cost in the
history (a cap that rounds to 0.00) gets no constraint. ``minQualityThreshold`` = the queue's
evaluation-weighted mean WEM quality over the same weeks (one decimal), else ``quality_floor``.
The payload is the one in CONTRACTS.md for ``POST /api/v2/scheduling/groups/shifts``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SHIFTS_PATH = "/api/v2/scheduling/groups/shifts"
CENT = Decimal("0.01")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Shift:
    """A named shift in local time; ``end <= start`` means it runs past midnight."""

    name: str
    start: time
    end: time

    @property
    def hours(self) -> list[int]:
        """Local clock hours the shift covers."""
        s, e = self.start.hour, self.end.hour
        return list(range(s, e)) if e > s else list(range(s, 24)) + list(range(0, e))


DEFAULT_SHIFTS: tuple[Shift, ...] = (
    Shift("early", time(6), time(14)),
    Shift("late", time(14), time(22)),
    Shift("night", time(22), time(6)),
)


@dataclass(frozen=True)
class QueueShiftConstraint:
    """One queue × shift constraint (same for every day of the target week)."""

    queue_id: str
    shift: str
    max_cost_per_hour: Decimal
    min_quality_threshold: Decimal
    currency: str
    hourly_cost_mean: Decimal


def management_unit_id() -> str:
    """``$CCFINOPS_WFM_MANAGEMENT_UNIT``, else the org profile's Genesys management unit."""
    env = os.environ.get("CCFINOPS_WFM_MANAGEMENT_UNIT")
    if env:
        return env
    import yaml

    from ingestion.warehouse import REPO_ROOT

    org = yaml.safe_load((Path(REPO_ROOT) / "ingestion" / "simulator" / "org.yaml").read_text())
    return str(org["genesys"]["management_unit_id"])


def _columns(con, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0].lower() for r in rows}


QUALITY_COLUMNS = ("avg_wem_score",)  # fct_cost_per_resolved_weekly (issue 3)
EVAL_COUNT_COLUMNS = ("evaluation_count",)


def compute_constraints(
    con,
    week_start: date,
    *,
    tz: str = "UTC",
    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS,
    history_days: int = 28,
    headroom_pct: Decimal = Decimal("15"),
    quality_floor: Decimal = Decimal("70.0"),
    platform: str = "genesys",
) -> list[QueueShiftConstraint]:
    """Constraints per queue and shift for the week starting ``week_start`` (a Monday, local time)."""
    ZoneInfo(tz)  # fail early on a bad timezone name
    hist_end = week_start
    hist_start = week_start - timedelta(days=history_days)
    con.execute("set timezone = 'UTC'")  # naive timestamps in the marts are UTC
    rows = con.execute(
        """
        with usage as (
            select queue_id, currency, cost,
                   hour(timezone(?, cast(usage_start as timestamptz))) as local_hour,
                   cast(timezone(?, cast(usage_start as timestamptz)) as date) as local_date
            from analytics.fct_usage_cost
            where platform = ? and queue_id is not null and cost is not null
        )
        select queue_id, local_hour, min(currency) as currency, sum(cost) as cost
        from usage
        where local_date >= ? and local_date < ?
        group by queue_id, local_hour
        """,
        [tz, tz, platform, hist_start, hist_end],
    ).fetchall()
    cost_by_queue: dict[str, dict[int, Decimal]] = {}
    currency_by_queue: dict[str, str] = {}
    for queue_id, hour_, currency, cost in rows:
        cost_by_queue.setdefault(queue_id, {})[int(hour_)] = Decimal(cost)
        currency_by_queue[queue_id] = currency or "USD"
    quality = _quality_by_queue(con, hist_start, hist_end)
    factor = Decimal(1) + Decimal(headroom_pct) / Decimal(100)
    out: list[QueueShiftConstraint] = []
    for queue_id in sorted(cost_by_queue):
        hourly = cost_by_queue[queue_id]
        for shift in shifts:
            total = sum((hourly.get(h, Decimal(0)) for h in shift.hours), Decimal(0))
            mean = total / Decimal(history_days * len(shift.hours))
            cap = (mean * factor).quantize(CENT, ROUND_HALF_UP)
            if cap == 0:
                continue  # (next to) no cost history in this shift: no constraint rather than a zero cap
            out.append(
                QueueShiftConstraint(
                    queue_id=queue_id,
                    shift=shift.name,
                    max_cost_per_hour=cap,
                    min_quality_threshold=quality.get(queue_id, Decimal(quality_floor)).quantize(
                        TENTH, ROUND_HALF_UP
                    ),
                    currency=currency_by_queue[queue_id],
                    hourly_cost_mean=mean,
                )
            )
    return out


def _quality_by_queue(con, start: date, end: date) -> dict[str, Decimal]:
    cols = _columns(con, "analytics", "fct_cost_per_resolved_weekly")
    qcol = next((c for c in QUALITY_COLUMNS if c in cols), None)
    if qcol is None:
        return {}
    ncol = next((c for c in EVAL_COUNT_COLUMNS if c in cols), None)
    weight = f"coalesce({ncol}, 0)" if ncol else "1"
    rows = con.execute(
        f"""
        select queue_id, sum({qcol} * {weight}) as weighted, sum({weight}) as n
        from analytics.fct_cost_per_resolved_weekly
        where week_start >= ? and week_start < ? and {qcol} is not null
        group by queue_id
        """,
        [start, end],
    ).fetchall()
    return {q: Decimal(str(w)) / Decimal(str(n)) for q, w, n in rows if n}


def build_payload(
    constraints: list[QueueShiftConstraint],
    week_start: date,
    *,
    tz: str = "UTC",
    shifts: tuple[Shift, ...] = DEFAULT_SHIFTS,
    management_unit: str | None = None,
) -> dict[str, Any]:
    """The scheduling payload: one entry per queue × shift × day of the target week (UTC instants)."""
    zone = ZoneInfo(tz)
    by_name = {s.name: s for s in shifts}
    entries: list[dict[str, Any]] = []
    for day in range(7):
        local_day = week_start + timedelta(days=day)
        for c in constraints:
            shift = by_name[c.shift]
            start = datetime.combine(local_day, shift.start, zone)
            end_day = local_day + timedelta(days=1) if shift.end <= shift.start else local_day
            end = datetime.combine(end_day, shift.end, zone)
            entries.append(
                {
                    "queueId": c.queue_id,
                    "shiftStart": _iso(start),
                    "shiftEnd": _iso(end),
                    "constraints": {
                        # Exact decimal literals: 2 dp (money) and 1 dp round-trip through a JSON number.
                        "maxCostPerHour": float(c.max_cost_per_hour),
                        "minQualityThreshold": float(c.min_quality_threshold),
                        "currency": c.currency,
                    },
                }
            )
    return {"managementUnitId": management_unit or management_unit_id(), "shifts": entries}


def _iso(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def next_week_start(today: date) -> date:
    """The Monday after ``today`` (constraints are pushed for the coming week)."""
    return today + timedelta(days=7 - today.weekday())


def post_payload(payload: dict[str, Any], env: dict[str, str] | None = None) -> dict[str, Any]:
    """POST the payload to the Genesys (or simulator) scheduling endpoint with the shared HTTP client."""
    from ingestion.http import ApiClient, GenesysClientCredentials, TokenBucket

    values = {**os.environ, **(env or {})}
    missing = [
        k for k in ("GENESYS_API_BASE", "GENESYS_CLIENT_ID", "GENESYS_CLIENT_SECRET") if not values.get(k)
    ]
    if missing:
        raise RuntimeError(f"cannot push WFM constraints: environment variables {missing} are not set")
    api = values["GENESYS_API_BASE"]
    login = values.get("GENESYS_LOGIN_BASE") or api
    auth = GenesysClientCredentials(login, values["GENESYS_CLIENT_ID"], values["GENESYS_CLIENT_SECRET"])
    with ApiClient("genesys", api, auth, TokenBucket(100)) as client:
        return client.post_json(SHIFTS_PATH, payload, ok=(200, 201))
