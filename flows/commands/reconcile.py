"""``ccfinops reconcile export|apply``: manual attribution of unattributed usage by a FinOps lead."""

from __future__ import annotations

from pathlib import Path

import typer

reconcile_app = typer.Typer(help="Export the reconciliation queue as CSV and apply a filled file.")
DbOption = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse).")


def register(app: typer.Typer) -> None:
    """Add the ``reconcile`` sub-app to the CLI."""
    app.add_typer(reconcile_app, name="reconcile")


@reconcile_app.command("export")
def export(
    db: str | None = DbOption,
    out: Path | None = typer.Option(None, "--out", help="CSV to write (default: reconciliation_<date>.csv)."),
) -> None:
    """Write the open queue (one row per source record); fill cost_center, why and attributed_by."""
    from expectations.reconcile import export_queue

    try:
        path, count = export_queue(db, out)
    except (FileNotFoundError, RuntimeError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {count} open record(s) to {path}")
    typer.echo("fill cost_center, why and attributed_by, then run: ccfinops reconcile apply " + str(path))


@reconcile_app.command("apply")
def apply(
    file: Path = typer.Argument(..., help="The filled CSV."),
    db: str | None = DbOption,
    by: str | None = typer.Option(None, "--by", help="Name recorded as attributed_by where the file leaves it empty."),
) -> None:
    """Validate the whole file (nothing applied on any error), then record the manual attributions."""
    from expectations.reconcile import ReconcileError, apply_attributions

    try:
        result = apply_attributions(db, file, by=by)
    except ReconcileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except (FileNotFoundError, RuntimeError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"recorded {result.applied} manual attribution(s) in raw.manual_attributions (batch {result.batch_id}); "
        f"{result.skipped_blank} blank row(s) left for later"
    )
    typer.echo("run `ccfinops build` to move the cost to the chosen cost centers")
