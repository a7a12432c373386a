"""Every figure of the weekly report, read with ``select *`` from the reporting marts.

The rules (rounding, rankings, shares, forecasts) live in dbt (``dbt_project/models/marts/reporting``);
this module only selects the report week's rows (money stays Decimal end to end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TREND_WEEKS = 8


Table = list[dict[str, Any]]


@dataclass
class Figures:
    """Everything the report shows, one table per section (rows of plain values)."""

    week_start: date
    currency: str = "USD"
    summary: dict[str, Any] = field(default_factory=dict)
    cpr_by_queue: Table = field(default_factory=list)
    cpr_by_cost_center: Table = field(default_factory=list)
    cpr_trend_queue: Table = field(default_factory=list)
    cpr_trend_cost_center: Table = field(default_factory=list)
    cpr_trend_queue_total: Table = field(default_factory=list)  # per queue over its cost centers
    top_movers: Table = field(default_factory=list)
    guardrail_triggers: Table = field(default_factory=list)
    guardrail_actions: Table = field(default_factory=list)
    guardrail_mitigations: Table = field(default_factory=list)
    guardrail_trigger_frequency: Table = field(default_factory=list)
    guardrail_exceptions: Table = field(default_factory=list)  # policies file, in force in the week
    unattributed: Table = field(default_factory=list)
    reconciliation: Table = field(default_factory=list)
    allocation: Table = field(default_factory=list)
    wfm: Table = field(default_factory=list)
    vendor_variance: Table = field(default_factory=list)
    wem_quality: Table = field(default_factory=list)
    forecast_monthly: Table = field(default_factory=list)  # flows/report/forecast.py
    forecast_daily: Table = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def week_end(self) -> date:
        """The Monday after the report week (exclusive)."""
        return self.week_start + timedelta(days=7)


def _rows(con, sql: str, params: list[Any] | None = None) -> Table:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _mart(con, mart: str, where: str, params: list[Any], order_by: str) -> Table:
    """``select *`` from a reporting mart of ``analytics`` (the figures are computed there, in dbt)."""
    return _rows(con, f"select * from analytics.{mart} where {where} order by {order_by}", params)


def latest_complete_week(con) -> date | None:
    """Monday of the newest ISO week whose Sunday is covered by ``fct_usage_cost``."""
    newest = con.execute("select max(usage_date) from analytics.fct_usage_cost").fetchone()[0]
    if newest is None:
        return None
    newest = newest if isinstance(newest, date) else date.fromisoformat(str(newest)[:10])
    monday = newest - timedelta(days=newest.weekday())
    return monday if newest.weekday() == 6 else monday - timedelta(days=7)


def spool_audit_db(spool_dir: str | Path | None = None) -> Path:
    """The guardrail service's action/audit SQLite file (``<spool>/audit/actions.sqlite``)."""
    import os

    spool = Path(spool_dir or os.environ.get("CCFINOPS_SPOOL_DIR") or "warehouse/spool")
    return spool.expanduser().resolve() / "audit" / "actions.sqlite"


def collect(
    con,
    week_start: date,
    *,
    trend_weeks: int = TREND_WEEKS,
    audit_db: Path | None = None,
    policies_path: Path | None = None,
) -> Figures:
    """Read every figure for the ISO week starting ``week_start`` (a Monday) from the reporting marts."""
    con.execute("set timezone = 'UTC'")
    fig = Figures(week_start=week_start)
    trend = [week_start - timedelta(days=7 * (trend_weeks - 1)), week_start]
    in_trend = "week_start >= ? and week_start <= ?"
    this_week = "week_start = ?"
    summary = _mart(con, "rpt_weekly_summary", this_week, [week_start], "week_start")
    head = summary[0] if summary else {}
    fig.currency = head.get("currency") or "USD"
    fig.cpr_trend_queue = _mart(
        con, "rpt_weekly_cost_per_resolved", in_trend, trend, "week_start, queue_id, cost_center"
    )
    fig.cpr_by_queue = sorted(
        (r for r in fig.cpr_trend_queue if r["week_start"] == week_start), key=lambda r: -r["total_cost"]
    )
    fig.cpr_trend_cost_center = _mart(
        con, "rpt_weekly_cost_per_resolved_by_cost_center", in_trend, trend, "week_start, cost_center"
    )
    fig.cpr_by_cost_center = sorted(
        (r for r in fig.cpr_trend_cost_center if r["week_start"] == week_start),
        key=lambda r: -r["total_cost"],
    )
    fig.cpr_trend_queue_total = _mart(
        con, "rpt_weekly_cost_per_resolved_by_queue", in_trend, trend, "week_start, queue_id"
    )
    fig.top_movers = _mart(con, "rpt_weekly_top_movers", this_week, [week_start], "mover_rank")
    fig.unattributed = _mart(con, "rpt_weekly_unattributed", in_trend, trend, "week_start")
    fig.reconciliation = _mart(con, "rpt_reconciliation_reasons", "true", [], "items desc, reason")
    month = week_start.replace(day=1)
    fig.allocation = _mart(con, "rpt_cost_center_monthly", "month = ?", [month], "cost_center, currency")
    fig.guardrail_triggers = _mart(
        con, "rpt_weekly_guardrail_breaches", this_week, [week_start], "cost_date, cost_center"
    )
    fig.guardrail_actions = _mart(
        con, "rpt_weekly_guardrail_actions", this_week, [week_start], "cost_center, decision"
    )
    fig.guardrail_trigger_frequency = _mart(
        con, "rpt_weekly_guardrail_triggers", this_week, [week_start], "cost_center"
    )
    fig.wfm = _mart(con, "rpt_weekly_wfm", this_week, [week_start], "platform, queue_name, queue_id")
    fig.vendor_variance = _mart(con, "rpt_monthly_vendor_variance", "month = ?", [month], "currency")
    fig.wem_quality = _mart(con, "rpt_weekly_wem_quality", in_trend, trend, "week_start, queue_id")
    fig.summary.update(
        total_cost=head.get("total_cost", Decimal("0.00")),
        resolved_count=head.get("resolved_count", 0),
        cost_per_resolved=head.get("cost_per_resolved"),
        unknown_outcome_count=head.get("unknown_outcome_count") or 0,
        unattributed_share_pct=head.get("unattributed_share_pct"),
        unattributed_cost=head.get("unattributed_cost"),
        guardrail_breaches=head.get("guardrail_breaches", 0),
        allocation_month=month,
    )
    _mitigations(fig, audit_db if audit_db is not None else spool_audit_db())
    policy_exceptions(fig, policies_path)
    from flows.report.forecast import collect as forecast_figures

    fig.forecast_monthly, fig.forecast_daily = forecast_figures(con)
    return fig


def policy_exceptions(fig: Figures, policies_path: Path | None = None) -> None:
    """Exemptions and planned events of the guardrail policies file in force in the report week.

    Read through the policy loader (``PolicySet.exceptions_in_force``), which decides what is in force;
    the report only lists them. An unreadable file is a note, not a failed report.
    """
    import os

    from guardrails.policy import PolicyError, PolicySet
    from guardrails.settings import DEFAULT_POLICIES

    path = policies_path or os.environ.get("CCFINOPS_GUARDRAIL_POLICIES") or DEFAULT_POLICIES
    try:
        policies = PolicySet.load(Path(path))
    except (OSError, PolicyError) as exc:
        fig.notes.append(f"Guardrail policy exceptions not listed: {exc}")
        return
    last = fig.week_end - timedelta(days=1)
    fig.guardrail_exceptions = [
        {**row, "policy_version": policies.version}
        for row in policies.exceptions_in_force(fig.week_start, last)
    ]


def _mitigations(fig: Figures, audit_db: Path) -> None:
    """Mitigation actions of the week from the guardrail executor's audit file (read-only)."""
    import sqlite3

    if not audit_db.exists():
        fig.notes.append(f"No guardrail action audit at {audit_db}: no mitigation actions listed.")
        return
    con = sqlite3.connect(f"file:{audit_db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "select day, cost_center, mitigation, mode, state, policy_version, updated_at from actions "
            "where day >= ? and day < ? order by day, cost_center, mitigation",
            [fig.week_start.isoformat(), fig.week_end.isoformat()],
        ).fetchall()
    finally:
        con.close()
    keys = ("day", "cost_center", "mitigation", "mode", "state", "policy_version", "updated_at")
    fig.guardrail_mitigations = [dict(zip(keys, r, strict=True)) for r in rows]
