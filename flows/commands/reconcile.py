"""``ccfinops reconcile export|apply``: manual attribution of unattributed usage by a FinOps lead."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

reconcile_app = typer.Typer(help="Export the reconciliation queue as CSV and apply a filled file.")
DbOption = Annotated[str | None, typer.Option("--db", help="Warehouse file (else $CCFINOPS_DB).")]


def register(app: typer.Typer) -> None:
    """Add the ``reconcile`` sub-app to the CLI."""
    app.add_typer(reconcile_app, name="reconcile")


@reconcile_app.command("export")
def export(
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="CSV to write (default: reconciliation_<date>.csv).")
    ] = None,
) -> None:
    """Write the open queue (one row per source record); fill cost_center, why and attributed_by."""
    import duckdb

    from expectations.reconcile import export_queue

    try:
        path, count = export_queue(db, out)
    except (FileNotFoundError, RuntimeError, duckdb.Error) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {count} open record(s) to {path}")
    typer.echo(f"fill cost_center, why and attributed_by, then run: ccfinops reconcile apply {path}")


@reconcile_app.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(help="The filled CSV.")],
    db: DbOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="attributed_by for rows that leave it empty.")
    ] = None,
) -> None:
    """Validate the whole file (nothing applied on any error), then record the manual attributions."""
    import duckdb

    from expectations.reconcile import ReconcileError, apply_attributions

    try:
        result = apply_attributions(db, file, by=by)
    except ReconcileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    except (FileNotFoundError, RuntimeError, duckdb.Error) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"recorded {result.applied} manual attribution(s) in raw.manual_attributions "
        f"(batch {result.batch_id}); {result.skipped_blank} blank row(s) left for later"
    )
    typer.echo("run `ccfinops build` to move the cost to the chosen cost centers")
