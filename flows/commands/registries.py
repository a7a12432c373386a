"""``ccfinops registries validate|load``: the config registries (cost centers, rates, pools)."""

from __future__ import annotations

from pathlib import Path

import typer

registries_app = typer.Typer(help="Validate and load the config registries into raw.config_* tables.")

DirOption = typer.Option(None, "--dir", help="Folder with the registry CSV files (default: shipped files).")
UrlOption = typer.Option(
    None, "--url", help='Registry service URL answering {"mappings": [...]} (replaces the mappings file).'
)


def register(app: typer.Typer) -> None:
    """Add the ``registries`` sub-app to the CLI."""
    app.add_typer(registries_app, name="registries")


@registries_app.command("validate")
def validate(directory: Path | None = DirOption, url: str | None = UrlOption) -> None:
    """Check every registry file; list every problem (file, row, field) and exit 1 if any."""
    from ingestion.registries import RegistryError, validate_registries

    try:
        registry = validate_registries(directory, url)
    except RegistryError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for item in registry.files.values():
        typer.echo(f"ok  {item.source}: {len(item.rows)} rows, version {item.version}")


@registries_app.command("load")
def load(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    directory: Path | None = DirOption,
    url: str | None = UrlOption,
) -> None:
    """Validate, then replace raw.config_* as a whole; nothing is written when anything is invalid."""
    from ingestion.registries import RegistryError, load_registries
    from ingestion.warehouse import resolve_db_path

    db_path = resolve_db_path(db)
    try:
        result = load_registries(db_path, directory, mappings_url=url)
    except RegistryError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    for table, count in result.row_counts.items():
        source, version = result.sources[table], result.versions[table]
        typer.echo(f"loaded raw.{table}: {count} rows from {source} (version {version})")
    typer.echo(f"warehouse: {result.db_path}")
