"""Budget alerts: tell each cost center's owner (and finance) when the forecast crosses a threshold.

``fct_cost_forecast_monthly`` says which budget thresholds the forecast's 80 % lower bound (or the
actual cost) has reached; this module only routes and sends. Recipients come from the validated
``notification_routes`` registry (``raw.config_notification_routes``): owners get their own cost
center, ``finance`` routes get every one. Target URLs live in the environment variables the routes
name. Each (cost center, month, threshold, target) is sent once (``state_file``); a target that
fails or is not configured does not block the others, and is retried on the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from guardrails.routing import Route, Routing, Sender, apprise_sender, load_state, save_state, send_to
from ingestion import warehouse as _warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Crossing:
    """A forecast month whose compared value reached at least one budget threshold."""

    cost_center: str
    month: dt.date
    currency: str
    thresholds: tuple[Decimal, ...]
    budget: Decimal
    forecast_cost: Decimal | None
    lower_80: Decimal | None
    upper_80: Decimal | None
    month_to_date_cost: Decimal
    owner: str | None
    alert_on: str
    forecast_as_of: dt.date


@dataclass
class AlertReport:
    """What one alert run did: keys sent, skipped as already sent, and failed targets."""

    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def read_crossings(con) -> list[Crossing]:
    """Rows of ``fct_cost_forecast_monthly`` with at least one threshold crossed."""
    rows = con.execute(
        "select cost_center, month, currency, thresholds_crossed, budget, forecast_cost, lower_80, upper_80,"
        " month_to_date_cost, budget_owner, alert_on, forecast_as_of from analytics.fct_cost_forecast_monthly"
        " where thresholds_crossed is not null order by cost_center, month"
    ).fetchall()
    return [Crossing(r[0], r[1], r[2], tuple(Decimal(t) for t in r[3].split(";")), *r[4:]) for r in rows]


def _money(value: Any) -> str:
    return "n/a" if value is None else f"{Decimal(value).quantize(Decimal('0.01')):,}"


def message(c: Crossing, threshold: Decimal) -> tuple[str, str]:
    """Title and body of one budget alert."""
    what = "forecast (80 % lower bound)" if c.alert_on == "forecast" else "month-to-date cost"
    title = f"ccfinops: {c.cost_center} {c.month:%Y-%m} {what} reached {threshold:f} % of budget"
    body = (
        f"{c.cost_center}, {c.month:%B %Y} (data through {c.forecast_as_of}):\n"
        f"- budget {_money(c.budget)} {c.currency}; threshold {threshold:f} % = "
        f"{_money(c.budget * threshold / 100)}\n"
        f"- month to date {_money(c.month_to_date_cost)}\n"
        f"- month-end forecast {_money(c.forecast_cost)} (80 % band {_money(c.lower_80)} - "
        f"{_money(c.upper_80)})"
    )
    return title, body


def send_budget_alerts(
    crossings: list[Crossing],
    routing: Routing | Sequence[tuple[str, str, str]],
    state_file: Path,
    *,
    env: Mapping[str, str] | None = None,
    sender: Sender = apprise_sender,
) -> AlertReport:
    """Send each crossing's highest new threshold to the owner's and finance's targets, once each."""
    if not isinstance(routing, Routing):
        routing = Routing(tuple(Route(*r) for r in routing))
    sent = load_state(state_file)
    report = AlertReport()
    for c in crossings:
        owner = {c.cost_center: c.owner} if c.owner is not None else {}
        for route, _ in routing.audience([c.cost_center], owner):
            target = route.target_env
            fresh = [t for t in c.thresholds if _key(c, t, target) not in sent]
            if not fresh:
                report.already_sent.append(_key(c, c.thresholds[-1], target))
                continue
            top = max(fresh)
            key = _key(c, top, target)
            title, body = message(c, top)
            if not send_to(route, title, body, key, env=env, sender=sender):
                report.failed.append(key)
                continue
            now = dt.datetime.now(dt.UTC).isoformat()
            for t in fresh:  # the lower thresholds crossed at the same time are covered by this one
                sent[_key(c, t, target)] = now
            save_state(state_file, sent)
            report.sent.append(key)
    return report


def _key(c: Crossing, threshold: Decimal, target: str) -> str:
    return f"budget:{c.cost_center}:{c.month:%Y-%m}:{threshold.normalize():f}:{target}"


def run_budget_alerts(db_path: str | Path, state_file: str | Path | None = None) -> AlertReport:
    """Read crossings and routes from the warehouse and send (state beside the warehouse by default)."""

    con = _warehouse.connect(str(db_path), read_only=True)
    try:
        crossings = read_crossings(con)
        routing = Routing.from_warehouse(con)
    finally:
        con.close()
    state = Path(state_file) if state_file else Path(str(db_path) + ".budget_alerts.json")
    return send_budget_alerts(crossings, routing, state)
