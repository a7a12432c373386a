"""Prefect tasks: thin wrappers over the other parts' Python APIs (see CONTRACTS.md).

Every task that touches the warehouse holds :func:`flows.locks.warehouse_lock`, so flows run their
warehouse steps one after another even when two flows overlap. Retries only where a rerun is safe:
loads merge on natural keys, the WFM push and notifications are idempotent.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from prefect import get_run_logger, task

from flows.locks import warehouse_lock
from flows.timing import phase


def _logger():
    try:
        return get_run_logger()
    except Exception:  # called through .fn() outside a run
        import logging

        return logging.getLogger("ccfinops.flows")


@task(name="load-registries", retries=0)
def load_registries_task(db_path: str) -> Any:
    """Replace-load the config registries (all-or-nothing; bad input is not retried)."""
    from ingestion.registries import load_registries

    with phase("ingest"), warehouse_lock(db_path):
        result = load_registries(Path(db_path))
    _logger().info("registries loaded: %s", result)
    return result


@task(name="ingest-platform", retries=2, retry_delay_seconds=[10, 30])
def ingest_task(db_path: str, platform: str, start: date, end: date) -> Any:
    """Pull one platform's window into ``raw`` (merge on natural keys, so a retry never duplicates)."""
    from ingestion.pipeline import ingest

    with phase("ingest"), warehouse_lock(db_path):
        summary = ingest(Path(db_path), platform, start, end)
    _logger().info("ingested %s %s..%s: %s", platform, start, end, summary)
    return summary


@task(name="load-webhook-spool", retries=2, retry_delay_seconds=[5, 15])
def load_spool_task(db_path: str, spool_dir: str | None = None) -> Any:
    """Move accepted guardrail webhook events from the spool into ``raw.webhook_events``."""

    from ingestion.dlt_pipeline import raw_pipeline, run_checked
    from ingestion.spool import webhook_spool_source as source

    spool = Path(spool_dir or os.environ.get("CCFINOPS_SPOOL_DIR") or "warehouse/spool").resolve()
    if not spool.exists():
        _logger().info("no webhook spool at %s; nothing to load", spool)
        return None
    with phase("ingest"), warehouse_lock(db_path):
        pipeline = raw_pipeline(Path(db_path), "ccfinops_webhook_spool")
        info = run_checked(pipeline, source(spool))
    _logger().info("webhook spool loaded: %s", info)
    from datetime import UTC, datetime

    from guardrails.spool import RETENTION_DAYS, prune_segments

    keep = int(os.environ.get("CCFINOPS_SPOOL_RETENTION_DAYS") or RETENTION_DAYS)
    pruned = prune_segments(spool, datetime.now(UTC).date(), keep)
    if pruned:
        _logger().info("pruned %d spool segment(s) older than %d days (in the warehouse)", len(pruned), keep)
    return info


@task(name="export-guardrail-rules", retries=1, retry_delay_seconds=[5])
def export_baselines_task(db_path: str) -> Path:
    """Export the guardrail rule book (rates, cost-center lookups, precedence, baselines, profiles).

    Written after every build to ``$CCFINOPS_GUARDRAIL_RULES``, else ``<db>.guardrail-rules.json``
    (atomic rename, content fingerprint); receivers hot-reload it and never open the warehouse.
    """
    from guardrails.rulebook import default_rulebook_path, export_rulebook

    out = default_rulebook_path(db_path)
    with phase("guardrails"), warehouse_lock(db_path):
        book = export_rulebook(Path(db_path), out)
    _logger().info(
        "exported guardrail rules %s (%d baseline rows) to %s", book.version, len(book.baselines), out
    )
    return out


@task(name="dbt-build", retries=0)
def dbt_build_task(
    db_path: str,
    *,
    select: Sequence[str] = (),
    selector: str | None = None,
    full_refresh: bool = False,
    dbt_vars: dict[str, Any] | None = None,
    target: str = "duckdb",
) -> Any:
    """``dbt build`` through dbt's programmatic runner (``flows.dbt_runner.run_dbt``).

    ``selector`` names a selector of ``dbt_project/selectors.yml`` (e.g. ``hourly``) instead of ``select``.
    """
    import json

    from flows.dbt_runner import run_dbt

    args = ["build"]
    if select:
        args += ["--select", *select]
    elif selector:
        args += ["--selector", selector]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars, default=str)]
    # quiet: dbt's per-node lines go to its log file beside the warehouse, not the flow's stdout
    with phase("build"), warehouse_lock(db_path):
        return run_dbt(args, Path(db_path), target=target, quiet=True)


@task(name="quality-checkpoint", retries=0)
def quality_task(db_path: str, run_id: str | None = None) -> Any:
    """Run the GX checkpoint over what this run touched; the result lists critical failures."""
    from expectations.checkpoint import run_quality

    with phase("quality"), warehouse_lock(db_path):
        result = run_quality(Path(db_path), run_id=run_id)
    _logger().info("data quality:\n%s", quality_text(result))
    return result


def quality_text(result: Any, width: int = 110) -> str:
    """The checkpoint's summary table as plain text (for logs and notifications)."""
    table = getattr(result, "summary_table", None)
    if table is None:
        return str(result)
    import io

    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO())
    console.print(table())
    return console.export_text()


@dataclass
class GuardrailFinding:
    """Cost centers whose latest day breached the rolling baseline band."""

    cost_date: date | None
    breaches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def breached(self) -> bool:
        """True when at least one cost center is in breach."""
        return bool(self.breaches)


@task(name="guardrail-evaluation", retries=0)
def guardrail_task(db_path: str, as_of: date | None = None) -> GuardrailFinding:
    """Evaluate the newest scored day of ``fct_guardrail_baselines`` with the guardrail policy engine.

    The warehouse's rules (baseline, band, floor, policy mode) are read as the receiver reads them
    (the rule book) and each cost center's full day goes through ``guardrails.policy.evaluate`` with
    the policies file's planned events and mitigations; a breach is the decision's ``breach`` flag.
    """
    from guardrails.policy import PolicySet, evaluate
    from guardrails.rulebook import RuleBook
    from guardrails.settings import DEFAULT_POLICIES

    with phase("guardrails"), warehouse_lock(db_path):
        book = RuleBook.from_warehouse(Path(db_path))
    days = [d for _, d in book.baselines if as_of is None or d <= as_of]
    if not days:
        return GuardrailFinding(None)
    latest = max(days)
    policies = PolicySet.load(Path(os.environ.get("CCFINOPS_GUARDRAIL_POLICIES") or DEFAULT_POLICIES))
    breaches = []
    for (cc, day), row in sorted(book.baselines.items()):
        if day != latest:
            continue
        decision = evaluate(
            policies,
            row,
            mode=book.policy_mode,
            cost_center=cc,
            day=day,
            consumption_today=row.daily_cost,
            share_now=Decimal(1),
            queue_id=None,
        )
        if decision.breach:
            breaches.append(
                {
                    "cost_center": cc,
                    "daily_cost": row.daily_cost,
                    "baseline_30d": decision.baseline,
                    "upper_bound": decision.upper_bound,
                    "status": decision.decision,
                    "policy_version": decision.policy_version,
                    "reasons": decision.reasons,
                }
            )
    breaches.sort(
        key=lambda b: (-(Decimal(b["daily_cost"]) - Decimal(b["upper_bound"] or 0)), b["cost_center"])
    )
    finding = GuardrailFinding(latest, breaches)
    _logger().info("guardrails on %s: %d breach(es)", latest, len(finding.breaches))
    return finding


def _money(value: Any) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}" if value is not None else "n/a"


def breach_message(finding: GuardrailFinding) -> str:
    """Human summary of a guardrail finding for Slack/Teams/email."""
    return "\n".join([f"Cost guardrail breach on {finding.cost_date}:", *breach_slices(finding).values()])


def breach_slices(finding: GuardrailFinding) -> dict[str, str]:
    """Each breached cost center's line of ``breach_message`` (what its owner is sent)."""
    return {
        str(b["cost_center"]): f"- {b['cost_center']}: {_money(b['daily_cost'])} vs baseline "
        f"{_money(b['baseline_30d'])} (band upper {_money(b['upper_bound'])}) -> {b.get('status', 'breach')}"
        for b in finding.breaches
    }


@task(name="notify", retries=0)
def notify_task(
    title: str, body: str, key: str, attachments: Sequence[str] = (), once_file: str | None = None
) -> bool:
    """Send through the guardrails' notification relay (apprise URLs from ``CCFINOPS_NOTIFY_URLS``).

    Not retried here: the relay retries per target and a second send would hit its cooldown. With
    ``once_file`` a key is delivered once across runs (hourly flows re-detect the same breach).
    """
    from flows.alerts import send, send_once

    files = [Path(a) for a in attachments]
    if once_file:
        return send_once(Path(once_file), title, body, key, files)
    return send(title, body, key, attachments=files)


@task(name="notify-owners", retries=0)
def routed_notify_task(db_path: str, message: Any, once_file: str | None = None) -> Any:
    """Send each cost center's owner their slices of ``message`` (``guardrails.routing.Sliced``),
    finance the whole.

    Routes come from the loaded ``notification_routes`` registry; a route that fails is reported
    and does not stop the others. With ``once_file`` each (key, route) goes out once across runs.
    """
    from guardrails.routing import Routing, deliver
    from ingestion import warehouse as _warehouse

    with warehouse_lock(db_path):
        con = _warehouse.connect(db_path, read_only=True)
        try:
            routing = Routing.from_warehouse(con)
        finally:
            con.close()
    report = deliver(routing, message, state_file=Path(once_file) if once_file else None)
    counts = (len(report.sent), len(report.already_sent), len(report.failed))
    _logger().info("%s: %d route(s) sent, %d already sent, %d failed", message.key, *counts)
    return report


@task(name="publish-snapshot", retries=1, retry_delay_seconds=[10])
def publish_task(db_path: str, out_dir: str | None = None) -> Any:
    """Publish the marts to the read-only BI snapshot (DuckDB + hive Parquet)."""
    from flows.snapshot import publish_snapshot

    with phase("publish"):
        result = publish_snapshot(db_path, out_dir)
    _logger().info("snapshot %s published: %s", result.version, result.row_counts)
    return result


def default_window(today: date | None = None, lookback_days: int = 1) -> tuple[date, date]:
    """Hourly window ``[start, end)``: ``lookback_days`` before today through the end of today (UTC)."""
    from datetime import UTC, datetime

    day = today or datetime.now(UTC).date()
    return day - timedelta(days=lookback_days), day + timedelta(days=1)
