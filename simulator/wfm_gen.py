"""WFM and agent-status data derived from the generated conversations (pure functions, numpy).

- **Queue membership**: agent ``i`` belongs to the ``i mod k``-th queue with a traffic share (an
  overflow queue shares its parent's members).
- **Routing status** per agent and 30-minute bucket: ``INTERACTING`` = the union of the agent's
  handling spans (alert start → wrap-up end of every answered hop, any queue); ``IDLE`` =
  ``INTERACTING x (1 / occ - 1)`` (whole ms, at most the rest of the bucket), with one occupancy
  target ``occ`` per agent and day drawn uniformly in [0.70, 0.90] from the seed - agents are on
  queue around the calls they take (the generator assigns calls to agents uniformly, so a fixed
  roster would leave most agents idle all day).
- **Short-term forecast** per planning group (= queue) and 15-minute interval of a week: each hour's
  actual offered count / 4 and mean handle time, times ``1 + bias`` with one bias per (queue, week,
  metric) drawn uniformly in ±5 % from the seed - a forecast error of a few percent, known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from simulator.genesys_gen import GenesysDay
from simulator.org import GenesysOrg, stable_uuid

BUCKET_MS = 1_800_000
BUCKETS_PER_DAY = 48
FORECAST_INTERVAL_MS = 900_000
INTERVALS_PER_WEEK = 7 * 96
MAX_BIAS = 0.05
OCCUPANCY_LOW, OCCUPANCY_HIGH = 0.70, 0.90  # each agent-day's occupancy is drawn in this range

BUSINESS_UNIT_ID = stable_uuid("genesys-wfm-business-unit")
BUSINESS_UNIT_NAME = "Acme Contact Center"


def planning_group_id(queue_id: str) -> str:
    """The planning group that forecasts one queue."""
    return stable_uuid(f"genesys-planning-group-{queue_id}")


def forecast_id(week: date) -> str:
    """The short-term forecast of a week (one per week)."""
    return stable_uuid(f"genesys-short-term-forecast-{week.isoformat()}")


def home_queues(org: GenesysOrg) -> list[int]:
    """Queue indexes that have members of their own (a traffic share > 0)."""
    return [i for i, q in enumerate(org.queues) if q.share > 0]


def agent_home(org: GenesysOrg) -> np.ndarray:
    """Home queue index per agent."""
    homes = home_queues(org)
    return np.array([homes[i % len(homes)] for i in range(org.agents)], dtype=np.int64)


def queue_members(org: GenesysOrg) -> dict[str, list[int]]:
    """Queue id → member agent indexes (overflow queues share their parent's members)."""
    home = agent_home(org)
    out: dict[str, list[int]] = {}
    for qi, q in enumerate(org.queues):
        src = org.queue_index(q.parent) if q.parent else qi
        out[q.id] = [int(a) for a in np.nonzero(home == src)[0]]
    return out


def busy_to_buckets(starts: np.ndarray, ends: np.ndarray, agents: np.ndarray, n_agents: int) -> np.ndarray:
    """int64[agent, bucket] milliseconds covered by the union of each agent's busy spans in one day."""
    out = np.zeros((n_agents, BUCKETS_PER_DAY), dtype=np.int64)
    order = np.lexsort((starts, agents))
    cur_a, cur_s, cur_e = -1, 0, 0

    def flush(a: int, s: int, e: int) -> None:
        while s < e:
            b = s // BUCKET_MS
            stop = min(e, (b + 1) * BUCKET_MS)
            out[a, b] += stop - s
            s = stop

    for i in order.tolist():
        a, s, e = int(agents[i]), int(starts[i]), int(ends[i])
        if a != cur_a or s > cur_e:
            if cur_a >= 0:
                flush(cur_a, cur_s, cur_e)
            cur_a, cur_s, cur_e = a, s, e
        else:
            cur_e = max(cur_e, e)
    if cur_a >= 0:
        flush(cur_a, cur_s, cur_e)
    return out


@dataclass
class StatusDay:
    """Routing-status milliseconds per agent and 30-minute bucket of one UTC day."""

    base_ms: int
    interacting: np.ndarray  # int64[agent, bucket]
    idle: np.ndarray  # int64[agent, bucket]


def genesys_status_day(org: GenesysOrg, day: GenesysDay, seed: int) -> StatusDay:
    """INTERACTING / IDLE per agent and bucket, from the day's answered hops."""
    ans = day.hop_answered & (day.hop_agent >= 0)
    inter = busy_to_buckets(day.hop_acd_end[ans], day.hop_wrap_end[ans], day.hop_agent[ans], org.agents)
    rng = np.random.default_rng([seed, day.day.toordinal(), 93])
    target = rng.uniform(OCCUPANCY_LOW, OCCUPANCY_HIGH, size=(org.agents, 1))
    idle = np.minimum(BUCKET_MS - inter, np.round(inter * (1 / target - 1)).astype(np.int64))
    return StatusDay(day.base_ms, inter, idle)


def _bias(seed: int, week: date, qi: int, metric: int) -> float:
    rng = np.random.default_rng([seed, week.toordinal(), qi, metric, 91])
    return float(rng.uniform(-MAX_BIAS, MAX_BIAS))


@dataclass
class WeekForecast:
    """One week's forecast per queue (15-minute intervals from Monday 00:00 UTC)."""

    week: date
    offered: dict[str, np.ndarray]  # queue id -> float[672]
    aht_s: dict[str, np.ndarray]  # queue id -> float[672]


def week_forecast(org: GenesysOrg, seed: int, week: date, days: list[GenesysDay]) -> WeekForecast:
    """The forecast of ``week`` built from its seven generated days (``days`` in date order)."""
    nq = len(org.queues)
    count = np.zeros((nq, 7 * 24))
    hsum = np.zeros((nq, 7 * 24))
    hcnt = np.zeros((nq, 7 * 24))
    for di, day in enumerate(days):
        hour = di * 24 + day.hop_start // 3_600_000
        np.add.at(count, (day.hop_queue, hour), 1)
        ans = day.hop_answered
        handle = (day.hop_wrap_end - day.hop_alert_end)[ans] / 1000.0
        np.add.at(hsum, (day.hop_queue[ans], hour[ans]), handle)
        np.add.at(hcnt, (day.hop_queue[ans], hour[ans]), 1)
    offered: dict[str, np.ndarray] = {}
    aht: dict[str, np.ndarray] = {}
    for qi, q in enumerate(org.queues):
        b_off, b_aht = _bias(seed, week, qi, 0), _bias(seed, week, qi, 1)
        mean_all = hsum[qi].sum() / hcnt[qi].sum() if hcnt[qi].sum() else 0.0
        hourly_aht = np.where(hcnt[qi] > 0, hsum[qi] / np.maximum(hcnt[qi], 1), mean_all)
        offered[q.id] = np.repeat(count[qi] / 4.0, 4) * (1 + b_off)
        aht[q.id] = np.repeat(hourly_aht, 4) * (1 + b_aht)
    return WeekForecast(week, offered, aht)


def week_days(week: date) -> list[date]:
    """The seven days of the week starting ``week``."""
    return [week + timedelta(days=i) for i in range(7)]


__all__ = [
    "BUCKET_MS",
    "BUSINESS_UNIT_ID",
    "BUSINESS_UNIT_NAME",
    "FORECAST_INTERVAL_MS",
    "StatusDay",
    "WeekForecast",
    "agent_home",
    "busy_to_buckets",
    "forecast_id",
    "genesys_status_day",
    "planning_group_id",
    "queue_members",
    "week_days",
    "week_forecast",
]
