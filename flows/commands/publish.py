"""``ccfinops publish``: publish the marts to the read-only BI snapshot (DuckDB + Parquet)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the ``publish`` command."""
    app.command("publish")(publish)


def publish(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    out: str | None = typer.Option(
        None, "--out", help="Snapshot folder (default: $CCFINOPS_SNAPSHOT_DIR, ./snapshots)."
    ),
    storage_version: str | None = typer.Option(
        None,
        "--storage-version",
        help="DuckDB storage format of the file: oldest DuckDB that must read it "
        "(default: $CCFINOPS_SNAPSHOT_STORAGE_VERSION, v1.4.0).",
    ),
) -> None:
    """Copy the marts into ``<out>/ccfinops_marts.duckdb`` (atomic rename) and ``<out>/parquet/current``."""
    import duckdb

    from flows.snapshot import publish_snapshot
    from ingestion.warehouse import resolve_db_path

    try:
        result = publish_snapshot(resolve_db_path(db), out, storage_version=storage_version)
    except (LookupError, duckdb.Error) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for mart, rows in result.row_counts.items():
        typer.echo(f"{mart:32s} {rows:>10,} rows")
    if result.missing:
        typer.echo(f"not in the warehouse yet (skipped): {', '.join(result.missing)}")
    typer.echo(
        f"snapshot {result.version}: {result.duckdb_path} "
        f"(DuckDB storage {result.storage_version}, {result.seconds:.1f} s)"
    )
    typer.echo(f"parquet (hive: month=…/cost_center=…): {result.parquet_root}")
