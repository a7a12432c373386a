"""Weekly cost-efficiency report: render from the marts, archive per ISO week, send through the relay."""

from __future__ import annotations

from typing import Any

from prefect import flow, task

from flows.alerts import alert_on_failure
from flows.locks import warehouse_lock
from flows.tasks import notify_task, routed_notify_task
from flows.timing import phase
from guardrails.routing import Sliced


@task(name="render-weekly-report", retries=0)
def render_report_task(db_path: str, out_root: str, week: str | None, spool_dir: str | None = None) -> Any:
    """Read the marts (under the warehouse lock) and write HTML + CSVs."""
    from flows.report import build_weekly_report

    with phase("report"), warehouse_lock(db_path):
        return build_weekly_report(db_path, out_root, week, spool_dir=spool_dir)


@flow(
    name="weekly_efficiency_report",
    log_prints=True,
    on_failure=[alert_on_failure],
    on_crashed=[alert_on_failure],
)
def weekly_efficiency_report(
    db: str | None = None,
    week: str | None = None,
    out: str | None = None,
    send: bool = True,
    spool_dir: str | None = None,
) -> Any:
    """Render the report for ``week`` (``2026-W47``; default: the newest complete week) and send it."""
    from flows.settings import reports_dir
    from ingestion.warehouse import resolve_db_path

    db_path = str(resolve_db_path(db))
    report = render_report_task(db_path, str(reports_dir(out)), week, spool_dir)
    print(report.summary_text())
    if send:
        notify_task(
            f"ccfinops weekly cost-efficiency report {report.week}",
            report.summary_text(),
            key=f"weekly-report:{report.week}",
            attachments=[str(report.html)],
        )
        # each owner: their cost centers' lines; finance: the summary, every line and the HTML
        routed_notify_task(
            db_path,
            Sliced(
                f"ccfinops weekly cost report {report.week}",
                report.cost_center_slices(),
                key=f"weekly-report:{report.week}",
                whole=report.summary_text(),
                attachments=[str(report.html)],
            ),
        )
    return report


if __name__ == "__main__":
    weekly_efficiency_report()
