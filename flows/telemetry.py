"""Hourly telemetry: registries + both platforms + webhook spool → dbt build → baselines JSON →
month-end forecast + budget alerts → GX → guardrails → notify.

Warehouse steps run one after another under the warehouse lock (DuckDB has one writer). The BI
snapshot is published after a successful build unless a critical data-quality expectation failed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from flows.alerts import alert_on_failure
from flows.dbt_runner import hourly_selector, record_whole_build
from flows.forecast_tasks import budget_alert_task, forecast_task
from flows.tasks import (
    breach_message,
    breach_slices,
    dbt_build_task,
    default_window,
    export_baselines_task,
    guardrail_task,
    ingest_task,
    load_registries_task,
    load_spool_task,
    notify_task,
    publish_task,
    quality_task,
    quality_text,
    routed_notify_task,
)
from guardrails.routing import Sliced


@flow(name="telemetry", log_prints=True, on_failure=[alert_on_failure], on_crashed=[alert_on_failure])
def telemetry(
    db: str | None = None,
    start: date | None = None,
    end: date | None = None,
    platform: str = "all",
    lookback_days: int = 1,
    spool_dir: str | None = None,
    full_refresh: bool = False,
    load_registries: bool = True,
    run_quality: bool = True,
    publish: bool = True,
    snapshot_out: str | None = None,
    publish_on_dq_failure: bool = False,
    run_forecast: bool = True,
) -> dict[str, Any]:
    """One telemetry cycle; returns what each step reported.

    The default window ``[start, end)`` is yesterday through the end of today (``lookback_days``);
    the pipeline also re-pulls its trailing window for late data and merges on natural keys, so
    overlapping windows never duplicate. The first run of each UTC day (and ``full_refresh``) builds
    the whole dbt project; the other runs build ``--selector hourly`` (dbt_project/selectors.yml):
    the touched days of the incremental models and the guardrail rule book, without the monthly /
    weekly marts, which the BI snapshot then shows as of the day's first run.
    """
    from ingestion.warehouse import resolve_db_path

    db_path = str(resolve_db_path(db))
    if start is None or end is None:
        start, end = default_window(lookback_days=lookback_days)
    out: dict[str, Any] = {"db": db_path, "window": (start, end)}
    alerts_file = db_path + ".alerts.json"  # which breach / DQ alerts already went out
    if load_registries:
        out["registries"] = load_registries_task(db_path)
    ingest_summary = ingest_task(db_path, platform, start, end)
    out["ingest"] = ingest_summary
    out["spool"] = load_spool_task(db_path, spool_dir)
    # the day's first run builds the whole project; later runs only the touched days (selector hourly)
    selector = None if full_refresh else hourly_selector(db_path)
    out["build"] = dbt_build_task(db_path, selector=selector, full_refresh=full_refresh)
    if selector is None:
        record_whole_build(db_path)
    # receivers hot-reload this rule book (CCFINOPS_GUARDRAIL_RULES) instead of opening the warehouse
    out["baselines"] = export_baselines_task(db_path)
    if run_forecast:
        # month-end forecast of every cost center from the fresh build, then owners' budget alerts
        out["forecast"] = forecast_task(db_path)
        out["budget_alerts"] = budget_alert_task(db_path)
    critical: list[Any] = []
    if run_quality:
        # The ingest run id lets the checkpoint validate exactly the months this run touched.
        quality = quality_task(db_path, run_id=getattr(ingest_summary, "run_id", None))
        out["quality"] = quality
        critical = list(getattr(quality, "critical_failures", []) or [])
        if critical:
            summary = quality_text(quality)
            notify_task(
                "ccfinops: critical data-quality failure",
                f"{len(critical)} critical expectation(s) failed"
                f"{'' if publish_on_dq_failure else '; BI snapshot not published'}.\n{summary}",
                key=f"dq-critical:{date.today()}:"
                + ",".join(sorted({str(getattr(c, "expectation", c)) for c in critical})),
                once_file=alerts_file,
            )
    finding = guardrail_task(db_path)
    out["guardrails"] = finding
    if finding.breached:
        notify_task(
            "ccfinops: cost guardrail breach",
            breach_message(finding),
            key=f"breach:{finding.cost_date}:"
            + ",".join(sorted(str(b["cost_center"]) for b in finding.breaches)),
            once_file=alerts_file,
        )
        # each owner hears about their own cost centers' breaches, finance about all of them
        routed_notify_task(
            db_path,
            Sliced(
                f"ccfinops: cost guardrail breach on {finding.cost_date}",
                breach_slices(finding),
                key=f"breach:{finding.cost_date}",
                whole=breach_message(finding),
            ),
            once_file=alerts_file,
        )
    if publish and (publish_on_dq_failure or not critical):
        out["snapshot"] = publish_task(db_path, snapshot_out)
    return out


if __name__ == "__main__":
    telemetry()
