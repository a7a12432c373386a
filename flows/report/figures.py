"""SQL over the marts for every figure in the weekly report (money stays Decimal end to end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

CENT = Decimal("0.01")
UNATTRIBUTED = "UNATTRIBUTED"
TREND_WEEKS = 8


def money(value: Any) -> Decimal | None:
    """Round to the cent, half-up (``None`` stays ``None``)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def ratio(numerator: Any, denominator: Any) -> Decimal | None:
    """Exact decimal ratio rounded to the cent; ``None`` when the denominator is 0 or missing."""
    if numerator is None or not denominator:
        return None
    return money(Decimal(str(numerator)) / Decimal(str(denominator)))


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
    unattributed: Table = field(default_factory=list)
    reconciliation: Table = field(default_factory=list)
    allocation: Table = field(default_factory=list)
    wfm: Table = field(default_factory=list)
    wem_quality: Table = field(default_factory=list)
    forecast_monthly: Table = field(default_factory=list)  # forecast/report.py
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


def _has_table(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _columns(con, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0].lower() for r in rows}


def latest_complete_week(con) -> date | None:
    """Monday of the newest ISO week whose Sunday is covered by ``fct_usage_cost``."""
    newest = con.execute("select max(usage_date) from analytics.fct_usage_cost").fetchone()[0]
    if newest is None:
        return None
    newest = newest if isinstance(newest, date) else date.fromisoformat(str(newest)[:10])
    monday = newest - timedelta(days=newest.weekday())
    return monday if newest.weekday() == 6 else monday - timedelta(days=7)


def _org_names() -> dict[str, str]:
    """Queue and skill names from the org profile (ids the registry does not map, e.g. fallbacks)."""
    import yaml

    from ingestion.warehouse import REPO_ROOT

    path = REPO_ROOT / "ingestion" / "simulator" / "org.yaml"
    if not path.exists():
        return {}
    org = yaml.safe_load(path.read_text()) or {}
    names = {str(q["id"]): str(q["name"]) for q in (org.get("genesys") or {}).get("queues", [])}
    names.update({str(s["id"]): str(s["name"]) for s in (org.get("nice_cxone") or {}).get("skills", [])})
    return names


def queue_names(con) -> dict[str, str]:
    """Queue/skill id → display name: the cost-center registry (newest mapping wins), else the org profile."""
    names = _org_names()
    if _has_table(con, "raw", "config_cost_center_mappings"):
        rows = con.execute(
            "select key, key_name from raw.config_cost_center_mappings where key_type = 'queue' "
            "order by effective_from"
        ).fetchall()
        names.update({str(k): str(n) for k, n in rows if n})
    return names


def spool_audit_db(spool_dir: str | Path | None = None) -> Path:
    """The guardrail service's action/audit SQLite file (``<spool>/audit/actions.sqlite``)."""
    import os

    spool = Path(spool_dir or os.environ.get("CCFINOPS_SPOOL_DIR") or "warehouse/spool")
    return spool.expanduser().resolve() / "audit" / "actions.sqlite"


def collect(
    con, week_start: date, *, trend_weeks: int = TREND_WEEKS, audit_db: Path | None = None
) -> Figures:
    """Read every figure for the ISO week starting ``week_start`` (a Monday)."""
    con.execute("set timezone = 'UTC'")
    fig = Figures(week_start=week_start)
    trend_start = week_start - timedelta(days=7 * (trend_weeks - 1))
    names = queue_names(con)
    currency = con.execute(
        "select min(currency) from analytics.fct_usage_cost where usage_date >= ? and usage_date < ?",
        [week_start, fig.week_end],
    ).fetchone()[0]
    fig.currency = currency or "USD"
    _cost_per_resolved(con, fig, trend_start, names)
    _top_movers(con, fig, names)
    _unattributed(con, fig, trend_start)
    _allocation(con, fig)
    _guardrails(con, fig)
    _mitigations(fig, audit_db if audit_db is not None else spool_audit_db())
    _wfm(con, fig, names)
    _wem(con, fig, trend_start, names)
    from forecast.report import collect as forecast_figures

    fig.forecast_monthly, fig.forecast_daily = forecast_figures(con)
    return fig


def _cost_per_resolved(con, fig: Figures, trend_start: date, names: dict[str, str]) -> None:
    rows = _rows(
        con,
        """
        select week_start, queue_id, cost_center,
               sum(telephony_cost) as telephony_cost,
               sum(licensing_allocation) as licensing_allocation,
               sum(transcription_cost) as transcription_cost,
               sum(resolved_count) as resolved_count
        from analytics.fct_cost_per_resolved_weekly
        where week_start >= ? and week_start <= ?
        group by all
        order by week_start, queue_id, cost_center
        """,
        [trend_start, fig.week_start],
    )
    by_cc: dict[tuple[date, str], dict[str, Any]] = {}
    by_q: dict[tuple[date, str], dict[str, Any]] = {}
    for r in rows:
        total = sum(
            Decimal(str(r[k] or 0)) for k in ("telephony_cost", "licensing_allocation", "transcription_cost")
        )
        item = {
            "week_start": r["week_start"],
            "queue_id": r["queue_id"],
            "queue_name": names.get(str(r["queue_id"]), str(r["queue_id"])),
            "cost_center": r["cost_center"],
            "telephony_cost": money(r["telephony_cost"] or 0),
            "licensing_allocation": money(r["licensing_allocation"] or 0),
            "transcription_cost": money(r["transcription_cost"] or 0),
            "total_cost": money(total),
            "resolved_count": int(r["resolved_count"] or 0),
            "cost_per_resolved": ratio(total, r["resolved_count"]),
        }
        fig.cpr_trend_queue.append(item)
        if r["week_start"] == fig.week_start:
            fig.cpr_by_queue.append(item)
        agg = by_cc.setdefault(
            (r["week_start"], r["cost_center"]),
            {
                "week_start": r["week_start"],
                "cost_center": r["cost_center"],
                "total": Decimal(0),
                "resolved": 0,
            },
        )
        agg["total"] += total
        agg["resolved"] += int(r["resolved_count"] or 0)
        qagg = by_q.setdefault(
            (r["week_start"], str(r["queue_id"])),
            {
                "week_start": r["week_start"],
                "queue_name": item["queue_name"],
                "total": Decimal(0),
                "resolved": 0,
            },
        )
        qagg["total"] += total
        qagg["resolved"] += int(r["resolved_count"] or 0)
    fig.cpr_trend_queue_total = [
        {
            "week_start": q["week_start"],
            "queue_name": q["queue_name"],
            "total_cost": money(q["total"]),
            "resolved_count": q["resolved"],
            "cost_per_resolved": ratio(q["total"], q["resolved"]),
        }
        for _, q in sorted(by_q.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    for (wk, _cc), agg in sorted(by_cc.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        item = {
            "week_start": wk,
            "cost_center": agg["cost_center"],
            "total_cost": money(agg["total"]),
            "resolved_count": agg["resolved"],
            "cost_per_resolved": ratio(agg["total"], agg["resolved"]),
        }
        fig.cpr_trend_cost_center.append(item)
        if wk == fig.week_start:
            fig.cpr_by_cost_center.append(item)
    fig.cpr_by_queue.sort(key=lambda r: -(r["total_cost"] or 0))
    fig.cpr_by_cost_center.sort(key=lambda r: -(r["total_cost"] or 0))
    total = sum((r["total_cost"] for r in fig.cpr_by_cost_center), Decimal(0))
    resolved = sum(r["resolved_count"] for r in fig.cpr_by_cost_center)
    fig.summary.update(
        total_cost=money(total), resolved_count=resolved, cost_per_resolved=ratio(total, resolved)
    )


def _top_movers(con, fig: Figures, names: dict[str, str], limit: int = 5, min_resolved: int = 10) -> None:
    """Queue × cost center cells whose cost per resolved moved most, ranked by cost impact.

    Impact = this week's cost − this week's resolved count × last week's cost per resolved (what the
    change cost this week); cells with fewer than ``min_resolved`` resolved interactions in either
    week are left out.
    """
    prev = fig.week_start - timedelta(days=7)
    current = {
        (r["queue_id"], r["cost_center"]): r for r in fig.cpr_trend_queue if r["week_start"] == fig.week_start
    }
    before = {(r["queue_id"], r["cost_center"]): r for r in fig.cpr_trend_queue if r["week_start"] == prev}
    movers = []
    for key, now in current.items():
        old = before.get(key)
        if old is None or now["cost_per_resolved"] is None or old["cost_per_resolved"] is None:
            continue
        if min(now["resolved_count"], old["resolved_count"]) < min_resolved:
            continue
        change = now["cost_per_resolved"] - old["cost_per_resolved"]
        pct = (change / old["cost_per_resolved"] * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        movers.append(
            {
                "queue_id": key[0],
                "queue_name": now["queue_name"],
                "cost_center": key[1],
                "previous_cost_per_resolved": old["cost_per_resolved"],
                "cost_per_resolved": now["cost_per_resolved"],
                "change": change,
                "change_pct": pct,
                "resolved_count": now["resolved_count"],
                # exact: this week's cost minus what its resolved volume cost at last week's rate
                "cost_impact": money(
                    now["total_cost"]
                    - old["total_cost"] / Decimal(old["resolved_count"]) * now["resolved_count"]
                ),
                "total_cost_change": money(now["total_cost"] - old["total_cost"]),
            }
        )
    movers.sort(key=lambda m: (-abs(m["cost_impact"]), str(m["queue_id"]), str(m["cost_center"])))
    fig.top_movers = movers[:limit]


def _unattributed(con, fig: Figures, trend_start: date) -> None:
    rows = _rows(
        con,
        """
        select cast(date_trunc('week', usage_date) as date) as week_start,
               sum(cost) as total_cost,
               sum(case when cost_center = ? then cost else 0 end) as unattributed_cost,
               count(*) filter (where cost is null) as unrated_items
        from analytics.fct_usage_cost
        where usage_date >= ? and usage_date < ?
        group by 1 order by 1
        """,
        [UNATTRIBUTED, trend_start, fig.week_end],
    )
    for r in rows:
        total = Decimal(str(r["total_cost"] or 0))
        un = Decimal(str(r["unattributed_cost"] or 0))
        share = (un / total * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else None
        fig.unattributed.append(
            {
                "week_start": r["week_start"],
                "total_cost": money(total),
                "unattributed_cost": money(un),
                "unattributed_share_pct": share,
                "unrated_items": int(r["unrated_items"]),
            }
        )
    this = next((u for u in fig.unattributed if u["week_start"] == fig.week_start), None)
    fig.summary["unattributed_share_pct"] = this["unattributed_share_pct"] if this else None
    fig.summary["unattributed_cost"] = this["unattributed_cost"] if this else None
    if _has_table(con, "analytics", "reconciliation_queue"):
        cols = _columns(con, "analytics", "reconciliation_queue")
        cost_expr = "sum(cost)" if "cost" in cols else "null"
        fig.reconciliation = [
            {**r, "cost": money(r["cost"]) if r["cost"] is not None else None}
            for r in _rows(
                con,
                f"select reason, count(*) as items, {cost_expr} as cost "
                "from analytics.reconciliation_queue group by reason order by items desc, reason",
            )
        ]


def _allocation(con, fig: Figures) -> None:
    month = fig.week_start.replace(day=1)
    rows = _rows(
        con,
        """
        select cost_center,
               sum(allocated_shared_cost) as allocated_shared_cost,
               max(allocation_rule_version) as allocation_rule_version
        from analytics.fct_cost_allocation_monthly
        where month = ?
        group by cost_center order by cost_center
        """,
        [month],
    )
    direct = dict(
        con.execute(
            "select cost_center, sum(cost) from analytics.fct_usage_cost "
            "where usage_date >= ? and usage_date < ? group by cost_center",
            [month, (month + timedelta(days=32)).replace(day=1)],
        ).fetchall()
    )
    centers = sorted({r["cost_center"] for r in rows} | set(direct), key=str)
    alloc = {r["cost_center"]: r for r in rows}
    for cc in centers:
        shared = money(alloc[cc]["allocated_shared_cost"]) if cc in alloc else Decimal("0.00")
        usage = money(direct.get(cc) or 0)
        fig.allocation.append(
            {
                "month": month,
                "cost_center": cc,
                "direct_usage_cost": usage,
                "allocated_shared_cost": shared,
                "total_cost": money(usage + shared),
                "allocation_rule_version": alloc[cc]["allocation_rule_version"] if cc in alloc else None,
            }
        )
    fig.summary["allocation_month"] = month


def _guardrails(con, fig: Figures) -> None:
    fig.guardrail_triggers = [
        {
            **r,
            "daily_cost": money(r["daily_cost"]),
            "upper_bound": money(r["upper_bound"]),
            "baseline_30d": money(r["baseline_30d"]),
            "excess": money(Decimal(str(r["daily_cost"])) - Decimal(str(r["upper_bound"]))),
        }
        for r in _rows(
            con,
            """
            select cost_date, cost_center, daily_cost, baseline_30d, upper_bound
            from analytics.fct_guardrail_baselines
            where cost_date >= ? and cost_date < ? and status = 'breach'
            order by cost_date, cost_center
            """,
            [fig.week_start, fig.week_end],
        )
    ]
    fig.summary["guardrail_breaches"] = len(fig.guardrail_triggers)
    if _has_table(con, "raw", "webhook_events"):
        fig.guardrail_actions = _rows(
            con,
            """
            select cost_center, decision, count(*) as events
            from raw.webhook_events
            where cast(event_time as date) >= ? and cast(event_time as date) < ?
            group by all order by cost_center, decision
            """,
            [fig.week_start, fig.week_end],
        )


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


def _wfm(con, fig: Figures, names: dict[str, str], history_weeks: int = 4) -> None:
    """Handle time: forecast = same queue's mean AHT over the 4 weeks before; actual = the report week.

    Occupancy = handle time / (answered-interval time × agents) is not derivable without staffing
    data, so it is shown as handled time per open interval hour where staffing is absent.
    """
    if not _has_table(con, "raw", "genesys_queue_intervals"):
        fig.notes.append("WFM section skipped: raw.genesys_queue_intervals not loaded.")
        return
    hist_start = fig.week_start - timedelta(days=7 * history_weeks)
    rows = _rows(
        con,
        """
        with iv as (
            select queue_id,
                   cast(interval_start as date) >= ? as in_week,
                   t_handle_count, t_handle_sum_ms, n_offered, n_answered,
                   epoch(interval_end) - epoch(interval_start) as interval_s
            from raw.genesys_queue_intervals
            where cast(interval_start as date) >= ? and cast(interval_start as date) < ?
        )
        select queue_id,
               sum(t_handle_sum_ms) filter (where in_week) as handle_ms,
               sum(t_handle_count) filter (where in_week) as handle_count,
               sum(t_handle_sum_ms) filter (where not in_week) as hist_handle_ms,
               sum(t_handle_count) filter (where not in_week) as hist_handle_count,
               sum(n_offered) filter (where in_week) as offered,
               sum(n_answered) filter (where in_week) as answered,
               sum(interval_s) filter (where in_week and n_offered > 0) as open_s,
               count(*) filter (where in_week and n_offered > 0) as open_intervals
        from iv group by queue_id order by queue_id
        """,
        [fig.week_start, hist_start, fig.week_end],
    )
    for r in rows:
        actual = Decimal(r["handle_ms"]) / Decimal(r["handle_count"]) / 1000 if r["handle_count"] else None
        forecast = (
            Decimal(r["hist_handle_ms"]) / Decimal(r["hist_handle_count"]) / 1000
            if r["hist_handle_count"]
            else None
        )
        # Workload in Erlangs: handled seconds per open queue-second (agents kept busy by this queue).
        occupancy = (
            (Decimal(r["handle_ms"] or 0) / 1000 / Decimal(r["open_s"])).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            if r["open_s"]
            else None
        )
        fig.wfm.append(
            {
                "queue_id": r["queue_id"],
                "queue_name": names.get(str(r["queue_id"]), str(r["queue_id"])),
                "offered": int(r["offered"] or 0),
                "answered": int(r["answered"] or 0),
                "forecast_aht_s": forecast.quantize(Decimal("0.1"), ROUND_HALF_UP) if forecast else None,
                "actual_aht_s": actual.quantize(Decimal("0.1"), ROUND_HALF_UP) if actual else None,
                "aht_variance_pct": ((actual - forecast) / forecast * 100).quantize(
                    Decimal("0.1"), ROUND_HALF_UP
                )
                if actual and forecast
                else None,
                "workload_erlangs": occupancy,
            }
        )


QUALITY_COLUMNS = ("avg_wem_score",)  # fct_cost_per_resolved_weekly (issue 3)
EVAL_COUNT_COLUMNS = ("evaluation_count",)


def _wem(con, fig: Figures, trend_start: date, names: dict[str, str]) -> None:
    cols = _columns(con, "analytics", "fct_cost_per_resolved_weekly")
    qcol = next((c for c in QUALITY_COLUMNS if c in cols), None)
    if qcol is None:
        fig.notes.append("WEM quality not present in fct_cost_per_resolved_weekly.")
        return
    ncol = next((c for c in EVAL_COUNT_COLUMNS if c in cols), None)
    weight = f"coalesce({ncol}, 0)" if ncol else "1"
    for r in _rows(
        con,
        f"""
        select week_start, queue_id, sum({qcol} * {weight}) / nullif(sum({weight}), 0) as quality,
               sum({weight}) as evaluations
        from analytics.fct_cost_per_resolved_weekly
        where week_start >= ? and week_start <= ? and {qcol} is not null
        group by all order by week_start, queue_id
        """,
        [trend_start, fig.week_start],
    ):
        fig.wem_quality.append(
            {
                "week_start": r["week_start"],
                "queue_id": r["queue_id"],
                "queue_name": names.get(str(r["queue_id"]), str(r["queue_id"])),
                "quality_score": Decimal(str(r["quality"])).quantize(Decimal("0.1"), ROUND_HALF_UP)
                if r["quality"] is not None
                else None,
                "evaluations": int(r["evaluations"] or 0),
            }
        )
