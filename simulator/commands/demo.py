"""``ccfinops demo``: the README's first command — simulator, backfill, every flow once, where things are."""

from __future__ import annotations

import os

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""
    app.command("demo")(demo)


def demo(
    db: str | None = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse)."),
    conversations_per_month: int = typer.Option(
        100_000, "--conversations-per-month", min=100, help="Genesys volume (CXone gets 30 %)."
    ),
    months: int = typer.Option(3, "--months", min=1, max=12, help="Months to backfill (ending today)."),
    seed: int = typer.Option(7, "--seed", help="Simulator seed."),
    out: str | None = typer.Option(None, "--out", help="Folder for reports, snapshots, site (default: ./)."),
    verbose: bool = typer.Option(False, "--verbose", help="Show Prefect's run logs."),
) -> None:
    """Start the simulator, backfill, run every flow once on a local Prefect server, show the outputs."""
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("TQDM_DISABLE", "1")
    from simulator.demo import print_summary, run_demo

    result = run_demo(db, conversations_per_month=conversations_per_month, months=months, seed=seed, out=out)
    print_summary(result, typer.echo)
    if not result.ok:
        raise typer.Exit(1)
