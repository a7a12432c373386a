"""Render the weekly report: one self-contained HTML file plus a CSV per figure, archived per ISO week."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flows.report import charts
from flows.report.figures import Figures, collect, latest_complete_week, spool_audit_db
from flows.report.forecast import forecast_chart
from ingestion import warehouse as _warehouse

TEMPLATES = Path(__file__).parent / "templates"

# CSV file name → (Figures attribute, columns in order)
CSV_FILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "cost_per_resolved_by_queue.csv": (
        "cpr_trend_queue",
        (
            "week_start",
            "queue_id",
            "queue_name",
            "cost_center",
            "telephony_cost",
            "licensing_allocation",
            "transcription_cost",
            "total_cost",
            "resolved_count",
            "cost_per_resolved",
        ),
    ),
    "cost_per_resolved_by_cost_center.csv": (
        "cpr_trend_cost_center",
        ("week_start", "cost_center", "total_cost", "resolved_count", "cost_per_resolved"),
    ),
    "top_movers.csv": (
        "top_movers",
        (
            "queue_id",
            "queue_name",
            "cost_center",
            "previous_cost_per_resolved",
            "cost_per_resolved",
            "change",
            "change_pct",
            "resolved_count",
            "cost_impact",
            "total_cost_change",
        ),
    ),
    "guardrail_triggers.csv": (
        "guardrail_triggers",
        ("cost_date", "cost_center", "daily_cost", "baseline_30d", "upper_bound", "excess"),
    ),
    "guardrail_actions.csv": ("guardrail_actions", ("cost_center", "decision", "events")),
    "guardrail_trigger_frequency.csv": (
        "guardrail_trigger_frequency",
        (
            "week_start",
            "cost_center",
            "triggers",
            "labelled_true",
            "labelled_false",
            "unlabelled",
            "missed_labelled_true",
            "actions",
            "applied_actions",
            "rolled_back_actions",
        ),
    ),
    "guardrail_exceptions.csv": (
        "guardrail_exceptions",
        (
            "cost_center",
            "kind",
            "name",
            "queue",
            "start",
            "end",
            "uplift_pct",
            "approved_by",
            "reason",
            "expires",
            "policy_version",
        ),
    ),
    "guardrail_mitigations.csv": (
        "guardrail_mitigations",
        ("day", "cost_center", "mitigation", "mode", "state", "policy_version", "updated_at"),
    ),
    "unattributed_share.csv": (
        "unattributed",
        ("week_start", "total_cost", "unattributed_cost", "unattributed_share_pct", "unrated_items"),
    ),
    "reconciliation_queue.csv": ("reconciliation", ("reason", "items", "cost")),
    "allocation_summary.csv": (
        "allocation",
        (
            "month",
            "cost_center",
            "direct_usage_cost",
            "allocated_shared_cost",
            "total_cost",
            "allocation_rule_version",
        ),
    ),
    "wfm_review.csv": (
        "wfm",
        (
            "week_start",
            "platform",
            "queue_id",
            "queue_name",
            "forecasted_handle_time_seconds",
            "actual_handle_time_seconds",
            "handle_time_variance_pct",
            "forecasted_offered",
            "actual_offered",
            "volume_variance_pct",
            "actual_occupancy_rate",
            "staffed_hours",
            "cost_per_resolved",
            "cost_per_staffed_hour",
            "wem_quality_score",
            "forecast_status",
            "occupancy_status",
            "forecast_label",
            "occupancy_label",
        ),
    ),
    "vendor_variance.csv": (
        "vendor_variance",
        (
            "month",
            "currency",
            "matched_calls",
            "warehouse_only_calls",
            "vendor_only_calls",
            "unmatched_calls",
            "warehouse_cost",
            "vendor_cost",
            "variance",
            "variance_pct",
        ),
    ),
    "wem_quality.csv": (
        "wem_quality",
        ("week_start", "queue_id", "queue_name", "quality_score", "evaluations"),
    ),
}


@dataclass
class WeeklyReport:
    """Where one rendered report lives and its headline numbers."""

    week: str
    folder: Path
    html: Path
    csvs: list[Path] = field(default_factory=list)
    figures: Figures | None = None

    def summary_text(self) -> str:
        """Short plain-text summary for Slack/Teams and the email body."""
        s = self.figures.summary if self.figures else {}
        cur = self.figures.currency if self.figures else ""
        lines = [
            f"ccfinops weekly cost-efficiency report {self.week}",
            f"Total cost: {cur} {_fmt(s.get('total_cost'))} · resolved: {s.get('resolved_count', 0):,} · "
            f"cost per resolved: {cur} {_fmt(s.get('cost_per_resolved'))}{_unknown(s)}",
            f"Unattributed share: {_fmt(s.get('unattributed_share_pct'))} % · guardrail breaches: "
            f"{s.get('guardrail_breaches', 0)}",
        ]
        if self.figures and self.figures.top_movers:
            m = self.figures.top_movers[0]
            lines.append(
                f"Top mover: {m['queue_name']} / {m['cost_center']} "
                f"{_fmt(m['change'], signed=True)} per resolved"
            )
        lines.append(f"Full report: {self.html}")
        return "\n".join(lines)

    def cost_center_slices(self) -> dict[str, str]:
        """Per cost center, its own lines of the report (what its owner is sent; finance gets all).

        The week's cost and cost per resolved, the week's guardrail breaches, and the month-end
        forecast against the budget; only cost centers with something to say are keyed.
        """
        if self.figures is None:
            return {}
        fig, cur = self.figures, self.figures.currency
        lines: dict[str, list[str]] = {}
        for r in fig.cpr_by_cost_center:
            lines.setdefault(r["cost_center"], []).append(
                f"{r['cost_center']}, week {self.week}: cost {cur} {_cents(r.get('total_cost'))}, "
                f"resolved {r.get('resolved_count') or 0:,}, cost per resolved {cur} "
                f"{_cents(r.get('cost_per_resolved'))}{_unknown(r)}"
            )
        for r in fig.guardrail_triggers:
            lines.setdefault(r["cost_center"], []).append(
                f"  guardrail breach {r['cost_date']}: {cur} {_cents(r.get('daily_cost'))} vs upper bound "
                f"{_cents(r.get('upper_bound'))}"
            )
        for r in fig.forecast_monthly:
            if r["cost_center"] == "ALL" or r.get("forecast_cost") is None:
                continue
            budget = f"budget {_cents(r['budget'])}" if r.get("budget") is not None else "no budget"
            lines.setdefault(r["cost_center"], []).append(
                f"  {r['month']:%Y-%m} month-end forecast {cur} {_cents(r['forecast_cost'])} (80 % band "
                f"{_cents(r.get('lower_80'))} - {_cents(r.get('upper_80'))}), {budget}, month to date "
                f"{_cents(r.get('month_to_date_cost'))}"
            )
        return {cc: "\n".join(text) for cc, text in sorted(lines.items())}


def _unknown(row: dict) -> str:
    """The caveat when some interactions' outcome is unknown (their code maps to no resolution code)."""
    n = row.get("unknown_outcome_count") or 0
    if not n:
        return ""
    effect = "unknown" if not row.get("resolved_count") else "overstated"
    return (
        f" ({n:,} interactions with an outcome unknown - wrap-up code / disposition in no resolution"
        f" code, e.g. CXone without the dispositions API - so cost per resolved is {effect})"
    )


def _cents(value: Any) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"


def _fmt(value: Any, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, Decimal):
        return f"{value:+,}" if signed else f"{value:,}"
    return str(value)


def iso_week_label(monday: date) -> str:
    """``2026-W47`` for the ISO week starting ``monday``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_iso_week(label: str) -> date:
    """Monday of an ISO week label like ``2026-W47`` (or any date inside the week, ``2026-11-18``)."""
    label = label.strip()
    if "W" in label.upper():
        year, week = label.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    day = date.fromisoformat(label)
    return day - timedelta(days=day.weekday())


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_csvs(fig: Figures, folder: Path) -> list[Path]:
    """One CSV per figure, exact decimals, same numbers as the HTML tables."""
    paths = []
    for name, (attr, columns) in CSV_FILES.items():
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in getattr(fig, attr):
                writer.writerow([_csv_value(row.get(c)) for c in columns])
        paths.append(path)
    return paths


def render_html(fig: Figures, week: str, generated_at: datetime) -> str:
    """The self-contained HTML (inline CSS and SVG, no external assets)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    env.filters["money"] = lambda v: "n/a" if v is None else f"{v:,.2f}" if isinstance(v, Decimal) else v
    env.filters["signed"] = lambda v: "n/a" if v is None else f"{v:+,.2f}"
    env.filters["num"] = lambda v: "n/a" if v is None else f"{v:,}"
    svgs = {
        "trend_cost_center": charts.trend_chart(
            fig.cpr_trend_cost_center,
            "cost_center",
            "Cost per resolved by cost center (8 weeks)",
            fig.currency,
        ),
        "trend_queue": charts.trend_chart(
            fig.cpr_trend_queue_total, "queue_name", "Cost per resolved by queue (8 weeks)", fig.currency
        ),
        "movers": charts.movers_chart(fig.top_movers, fig.currency),
        "unattributed": charts.unattributed_chart(fig.unattributed),
        "aht": charts.aht_chart(fig.wfm),
        "quality": charts.quality_chart(fig.wem_quality),
        "forecast": forecast_chart(fig.forecast_monthly, fig.forecast_daily, fig.currency),
    }
    return env.get_template("weekly_report.html.j2").render(
        fig=fig, week=week, svgs=svgs, generated_at=generated_at.strftime("%Y-%m-%d %H:%M UTC")
    )


def build_weekly_report(
    db_path: str | os.PathLike[str],
    out_root: str | os.PathLike[str],
    week: str | date | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
    policies_path: str | os.PathLike[str] | None = None,
) -> WeeklyReport:
    """Read the marts (and the guardrail audit in ``spool_dir``, the exceptions of the guardrail
    policies file), render HTML + CSVs into ``<out_root>/<iso-week>/`` (written to a temporary
    folder, then renamed in)."""

    con = _warehouse.connect(str(Path(db_path).resolve()))
    try:
        if week is None:
            monday = latest_complete_week(con)
            if monday is None:
                raise LookupError(f"no usage in analytics.fct_usage_cost of {db_path}: nothing to report")
        elif isinstance(week, date):
            monday = week - timedelta(days=week.weekday())
        else:
            monday = parse_iso_week(week)
        fig = collect(
            con,
            monday,
            audit_db=spool_audit_db(spool_dir),
            policies_path=Path(policies_path) if policies_path else None,
        )
    finally:
        con.close()
    label = iso_week_label(monday)
    root = Path(out_root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{label}.tmp-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    html = render_html(fig, label, datetime.now(UTC))
    (tmp / "weekly_report.html").write_text(html, encoding="utf-8")
    write_csvs(fig, tmp)
    final = root / label
    if final.exists():
        old = root / f".{label}.old-{os.getpid()}"
        os.replace(final, old)
        os.replace(tmp, final)
        import shutil

        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
    return WeeklyReport(
        week=label,
        folder=final,
        html=final / "weekly_report.html",
        csvs=[final / name for name in CSV_FILES],
        figures=fig,
    )


def latest_report(out_root: str | os.PathLike[str]) -> Path | None:
    """The newest archived report's HTML file, if any."""
    root = Path(out_root)
    weeks = sorted(p for p in root.glob("*-W*") if (p / "weekly_report.html").exists())
    return weeks[-1] / "weekly_report.html" if weeks else None
