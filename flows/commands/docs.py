"""``ccfinops docs``: dbt docs + GX Data Docs + latest weekly report under ``site/``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``docs`` command."""
    app.command("docs")(docs)


def docs(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    site: str | None = typer.Option(
        None, "--site", help="Output folder (default: $CCFINOPS_SITE_DIR, ./site)."
    ),
    reports: str | None = typer.Option(None, "--reports", help="Report archive (default: ./reports)."),
) -> None:
    """Build the docs site and print its index; exit 1 if a part could not be built."""
    from flows.docs_site import build_site
    from ingestion.warehouse import resolve_db_path

    result = build_site(resolve_db_path(db), site, reports)
    typer.echo(f"docs site:  {result.index}")
    typer.echo(f"dbt docs:   {result.dbt_docs or '-'}")
    typer.echo(f"Data Docs:  {result.data_docs or '-'}")
    typer.echo(f"report:     {result.report or '-'}")
    for problem in result.problems:
        typer.echo(f"error: {problem}", err=True)
    if result.problems:
        raise typer.Exit(1)
