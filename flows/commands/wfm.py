"""``ccfinops wfm push``: cost constraints per queue and shift → the WFM scheduling endpoint."""

from __future__ import annotations

import json
from datetime import date

import typer

wfm_app = typer.Typer(help="Workforce-management cost constraints (maxCostPerHour, minQualityThreshold).")


def register(app: typer.Typer) -> None:
    """Add the ``wfm`` sub-app."""
    app.add_typer(wfm_app, name="wfm")


@wfm_app.command("push")
def push(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    week_start: str | None = typer.Option(
        None, "--week-start", help="Monday of the target week (default: next)."
    ),
    timezone: str | None = typer.Option(
        None, "--timezone", help="Shift timezone (default: $CCFINOPS_TIMEZONE, UTC)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the payload; do not POST it."),
) -> None:
    """Read the constraints from fct_wfm_shift_constraints and POST them.

    GENESYS_* env vars give host and credentials, CCFINOPS_WFM_MANAGEMENT_UNIT the management unit;
    headroom, quality floor and shifts are dbt vars / seeds (dbt_project).
    """
    from flows.settings import timezone_name
    from flows.wfm import build_payload, load_constraints, next_week_start, post_payload
    from ingestion.warehouse import resolve_db_path

    db_path = resolve_db_path(db)
    week = date.fromisoformat(week_start) if week_start else next_week_start(date.today())
    if week.weekday() != 0:
        typer.echo(f"error: --week-start {week} is not a Monday", err=True)
        raise typer.Exit(2)
    tz = timezone_name(timezone)
    constraints = load_constraints(db_path, week, tz)
    if not constraints:
        typer.echo(f"error: no queue cost in the history before {week}; nothing to push", err=True)
        raise typer.Exit(1)
    payload = build_payload(constraints, week, tz=tz)
    if dry_run:
        typer.echo(json.dumps(payload, indent=2))
        return
    try:
        response = post_payload(payload)
    except Exception as exc:  # the shared client's errors carry the vendor's text, never the secret
        typer.echo(f"error: push failed: {exc}", err=True)
        raise typer.Exit(1) from None
    ident = response.get("id") if isinstance(response, dict) else response
    typer.echo(f"pushed {len(payload['shifts'])} shift constraints for the week of {week} (id {ident})")
