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
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

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


def read_routes(con) -> list[tuple[str, str, str]]:
    """(recipient, scope, target_env) of the loaded notification routes."""
    try:
        return con.execute(
            "select recipient, scope, target_env from raw.config_notification_routes order by 1, 3"
        ).fetchall()
    except Exception:  # registries never loaded: nobody to route to
        return []


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


def _load(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _save(path: Path, sent: dict[str, str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(sent, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _default_sender(urls: list[str], title: str, body: str, key: str) -> bool:
    from guardrails.notify import Notifier

    return bool(Notifier(urls).send(title, body, key).sent)


def send_budget_alerts(
    crossings: list[Crossing],
    routes: list[tuple[str, str, str]],
    state_file: Path,
    *,
    env: dict[str, str] | None = None,
    sender: Callable[[list[str], str, str, str], bool] = _default_sender,
) -> AlertReport:
    """Send each crossing's highest new threshold to the owner's and finance's targets, once each."""
    env = dict(os.environ) if env is None else env
    sent = _load(state_file)
    report = AlertReport()
    for c in crossings:
        targets = [
            t for who, scope, t in routes if scope == "finance" or (c.owner is not None and who == c.owner)
        ]
        for target in targets:
            fresh = [t for t in c.thresholds if _key(c, t, target) not in sent]
            if not fresh:
                report.already_sent.append(_key(c, c.thresholds[-1], target))
                continue
            top = max(fresh)
            key = _key(c, top, target)
            urls = [u for u in env.get(target, "").split(",") if u.strip()]
            if not urls:
                log.error("budget alert %s: environment variable %s holds no notification URL", key, target)
                report.failed.append(key)
                continue
            title, body = message(c, top)
            try:
                ok = sender(urls, title, body, key)
            except Exception as exc:  # one bad target must not block the others
                log.error("budget alert %s via %s failed: %s", key, target, type(exc).__name__)
                ok = False
            if not ok:
                report.failed.append(key)
                continue
            now = dt.datetime.now(dt.UTC).isoformat()
            for t in fresh:  # the lower thresholds crossed at the same time are covered by this one
                sent[_key(c, t, target)] = now
            _save(state_file, sent)
            report.sent.append(key)
    return report


def _key(c: Crossing, threshold: Decimal, target: str) -> str:
    return f"budget:{c.cost_center}:{c.month:%Y-%m}:{threshold.normalize():f}:{target}"


def run_budget_alerts(db_path: str | Path, state_file: str | Path | None = None) -> AlertReport:
    """Read crossings and routes from the warehouse and send (state beside the warehouse by default)."""

    con = _warehouse.connect(str(db_path), read_only=True)
    try:
        crossings = read_crossings(con)
        routes = read_routes(con)
    finally:
        con.close()
    state = Path(state_file) if state_file else Path(str(db_path) + ".budget_alerts.json")
    return send_budget_alerts(crossings, routes, state)
