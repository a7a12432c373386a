"""WFM cost constraints per queue and shift, read from the marts, in the scheduling payload.

The rule lives in dbt: ``fct_wfm_shift_constraints`` (``maxCostPerHour`` = mean hourly cost of the
shift's local hours over the history plus the headroom, ``minQualityThreshold`` = the WEM quality or the
floor; shifts in ``seeds/wfm_shifts.csv``, the rest in the project's ``wfm_*`` vars). The mart is built
for one business time zone (``var('wfm_timezone')``, default ``$CCFINOPS_TIMEZONE``); asking for another
one rebuilds that mart with it. This module selects the target week's rows and renders the payload of
CONTRACTS.md for ``POST /api/v2/scheduling/groups/shifts``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ingestion import warehouse as _warehouse

SHIFTS_PATH = "/api/v2/scheduling/groups/shifts"
MART = "analytics.fct_wfm_shift_constraints"


@dataclass(frozen=True)
class QueueShiftConstraint:
    """One queue × shift constraint (same for every day of the target week)."""

    queue_id: str
    shift: str
    max_cost_per_hour: Decimal
    min_quality_threshold: Decimal
    currency: str
    hourly_cost_mean: Decimal
    start: time = time(0)
    end: time = time(0)


class TimezoneMismatch(LookupError):
    """The constraints mart was built for another business time zone."""


def management_unit_id() -> str:
    """``$CCFINOPS_WFM_MANAGEMENT_UNIT`` (the Genesys management unit the shifts belong to)."""
    env = os.environ.get("CCFINOPS_WFM_MANAGEMENT_UNIT")
    if not env:
        raise RuntimeError("set CCFINOPS_WFM_MANAGEMENT_UNIT to the Genesys management unit id")
    return env


def compute_constraints(con, week_start: date, *, tz: str = "UTC") -> list[QueueShiftConstraint]:
    """The constraints of ``fct_wfm_shift_constraints`` for the week starting ``week_start`` (a Monday)."""
    ZoneInfo(tz)  # fail early on a bad timezone name
    built = [r[0] for r in con.execute(f"select distinct timezone from {MART}").fetchall()]
    if built and built != [tz]:
        raise TimezoneMismatch(f"{MART} is built for time zone {', '.join(built)}, not {tz}")
    cur = con.execute(
        f"select * from {MART} where week_start = ? order by queue_id, shift_start_hour", [week_start]
    )
    names = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        r = dict(zip(names, values, strict=True))
        out.append(
            QueueShiftConstraint(
                queue_id=r["queue_id"],
                shift=r["shift_name"],
                max_cost_per_hour=r["max_cost_per_hour"],
                min_quality_threshold=r["min_quality_threshold"],
                currency=r["currency"],
                hourly_cost_mean=r["hourly_cost_mean"],
                start=time(int(r["shift_start_hour"])),
                end=time(int(r["shift_end_hour"])),
            )
        )
    return out


def load_constraints(
    db_path: str | os.PathLike[str], week_start: date, tz: str
) -> list[QueueShiftConstraint]:
    """Read the week's constraints under the warehouse lock; rebuild the mart first for another time zone."""
    import duckdb

    from flows.dbt_runner import run_dbt
    from flows.locks import warehouse_lock

    with warehouse_lock(db_path):
        for attempt in range(2):
            con = _warehouse.connect(str(db_path))
            try:
                return compute_constraints(con, week_start, tz=tz)
            except (TimezoneMismatch, duckdb.CatalogException):
                if attempt:
                    raise
            finally:
                con.close()
            args = ["build", "--select", "wfm_shifts", "fct_wfm_shift_constraints"]
            run_dbt([*args, "--vars", json.dumps({"wfm_timezone": tz})], Path(db_path), quiet=True)
    return []


def build_payload(
    constraints: list[QueueShiftConstraint],
    week_start: date,
    *,
    tz: str = "UTC",
    management_unit: str | None = None,
) -> dict[str, Any]:
    """The scheduling payload: one entry per queue × shift × day of the target week (UTC instants)."""
    zone = ZoneInfo(tz)
    entries: list[dict[str, Any]] = []
    for day in range(7):
        local_day = week_start + timedelta(days=day)
        for c in constraints:
            start = datetime.combine(local_day, c.start, zone)
            end_day = local_day + timedelta(days=1) if c.end <= c.start else local_day
            end = datetime.combine(end_day, c.end, zone)
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
