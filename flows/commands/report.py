"""``ccfinops report weekly``: render (and optionally send) the weekly cost-efficiency report."""

from __future__ import annotations

import typer

report_app = typer.Typer(help="Weekly cost-efficiency report (HTML + CSV), archived per ISO week.")


def register(app: typer.Typer) -> None:
    """Add the ``report`` sub-app."""
    app.add_typer(report_app, name="report")


@report_app.command("weekly")
def weekly(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    week: str | None = typer.Option(
        None, "--week", help="ISO week like 2026-W47 (default: newest complete)."
    ),
    out: str | None = typer.Option(
        None, "--out", help="Archive folder (default: $CCFINOPS_REPORTS_DIR, ./reports)."
    ),
    send: bool = typer.Option(False, "--send/--no-send", help="Send through the notification relay."),
) -> None:
    """Render the report into ``<out>/<iso-week>/`` and print where it is."""
    from flows.locks import warehouse_lock
    from flows.report import build_weekly_report
    from flows.report.build import CSV_FILES
    from flows.settings import reports_dir
    from ingestion.warehouse import resolve_db_path

    db_path = resolve_db_path(db)
    try:
        with warehouse_lock(db_path):
            report = build_weekly_report(db_path, reports_dir(out), week)
    except (LookupError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(report.summary_text())
    typer.echo(f"CSV files ({len(CSV_FILES)}): {report.folder}")
    if send:
        from flows.alerts import send as send_message

        send_message(
            f"ccfinops weekly cost-efficiency report {report.week}",
            report.summary_text(),
            key=f"weekly-report:{report.week}",
            attachments=[report.html],
        )
        typer.echo("sent through the notification relay")
