"""``ccfinops quality``: run the Great Expectations checkpoint and print a readable summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``quality`` command to the CLI."""
    app.command("quality")(quality)


def quality(
    db: Annotated[str | None, typer.Option("--db", help="Warehouse file (else $CCFINOPS_DB).")] = None,
    month: Annotated[
        list[str] | None,
        typer.Option("--month", help="Month to validate, YYYY-MM (repeatable; default: every month built)."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option("--run-id", help="Pipeline run id (its ingest windows pick the months).")
    ] = None,
    site: Annotated[
        Path | None,
        typer.Option(
            "--site", help="Data Docs folder (else $CCFINOPS_QUALITY_SITE, else <repo>/site/quality)."
        ),
    ] = None,
    target: Annotated[
        str, typer.Option("--target", help="duckdb | postgres (postgres: $CCFINOPS_PG_URL or _PORT).")
    ] = "duckdb",
) -> None:
    """Validate the warehouse; exit 1 when a critical expectation fails, 2 when it cannot be checked."""
    import duckdb
    from rich.console import Console

    from expectations.checkpoint import run_quality
    from expectations.checks import QualityError
    from expectations.settings import QualityConfigError

    console = Console()
    try:
        result = run_quality(db, run_id=run_id, months=month or None, site_dir=site, target=target)
    except (QualityError, QualityConfigError, duckdb.Error) as exc:
        console.print(f"[red]quality check could not run:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(result.summary_table())
    for line in result.failure_lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    for note in result.notes:
        console.print(f"note: {note}")
    crit, warn = len(result.critical_failures), len(result.warnings)
    passed = len(result.outcomes) - crit - warn
    console.print(f"{passed} passed, {warn} warning(s), {crit} critical failure(s); stored in dq_results")
    console.print(f"Data Docs: {result.docs_index}", soft_wrap=True)
    if crit:
        names = ", ".join(o.expectation for o in result.critical_failures)
        console.print(f"[red]critical expectations failed:[/] {names}")
        raise typer.Exit(1)
