"""``ccfinops build``: ``dbt build`` of the cost warehouse, then a short cost summary."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from ingestion import warehouse as _warehouse

CENT = Decimal("0.01")


@dataclass(frozen=True)
class CostSummary:
    """Totals of ``analytics.fct_usage_cost`` (per currency) and the biggest cost centers."""

    currency: str
    total_cost: Decimal
    attributed_cost: Decimal
    unattributed_cost: Decimal
    items: int
    missing_rate_items: int
    shared_allocated: Decimal
    shared_unallocated: Decimal
    top_cost_centers: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def attributed_share(self) -> Decimal:
        """Attributed cost / total cost (0 when there is no cost)."""
        if not self.total_cost:
            return Decimal(0)
        return self.attributed_cost / self.total_cost

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        share = (self.attributed_share * 100).quantize(Decimal("0.1"))
        out = [
            f"usage cost {self.currency}: {self.total_cost.quantize(CENT)} over {self.items} items",
            f"  attributed   {self.attributed_cost.quantize(CENT)} ({share} %)",
            f"  unattributed {self.unattributed_cost.quantize(CENT)} ({100 - share} %)"
            " -> see analytics.reconciliation_queue",
        ]
        if self.missing_rate_items:
            out.append(f"  {self.missing_rate_items} items without a rate (cost null)")
        out.append(
            f"  shared / licence pools: {self.shared_allocated.quantize(CENT)} allocated to cost centers,"
            f" {self.shared_unallocated.quantize(CENT)} unallocated (months without minutes)"
        )
        out.append("  top cost centers:")
        out += [f"    {cc:<16} {cost.quantize(CENT)}" for cc, cost in self.top_cost_centers]
        return out


def _fetch(target: str, db_path: Path | None, queries: list[tuple[str, list[Any]]]) -> list[list[tuple]]:
    if target == "spark":
        from flows.dbt_runner import spark_session

        session = spark_session()
        results = []
        for sql, params in queries:
            literals = ["'" + str(value).replace("'", "''") + "'" for value in params]
            rows = session.sql(sql.replace("%s", "{}").format(*literals)).collect()
            results.append([tuple(row) for row in rows])
        return results
    if target == "duckdb":
        con = _warehouse.connect(str(db_path), read_only=True)
        try:
            return [con.execute(sql.replace("%s", "?"), params).fetchall() for sql, params in queries]
        finally:
            con.close()
    from ingestion.warehouse import connect_postgres

    con = connect_postgres()
    try:
        with con.cursor() as cur:
            results = []
            for sql, params in queries:
                cur.execute(sql, params)
                results.append(cur.fetchall())
            return results
    finally:
        con.close()


def cost_summary(db_path: Path | None, target: str = "duckdb", top: int = 5) -> list[CostSummary]:
    """Summarise usage cost per currency (largest currency first) from ``rpt_cost_center_monthly``."""
    names = [
        "currency",
        "cost_center",
        "usage_cost",
        "allocated_shared_cost",
        "usage_items",
        "unrated_items",
        "is_unattributed",
        "is_unallocated",
    ]
    sql = f"select {', '.join(names)} from analytics.rpt_cost_center_monthly"
    (rows,) = _fetch(target, db_path, [(sql, [])])
    by_currency: dict[str, dict[str, Any]] = {}
    for values in rows:
        r = dict(zip(names, values, strict=True))
        c = by_currency.setdefault(r["currency"], {"items": 0, "missing": 0, "centers": {}})
        usage = Decimal(r["usage_cost"] or 0)
        shared = Decimal(r["allocated_shared_cost"] or 0)
        for key, amount in (
            ("total", usage),
            ("unattributed" if r["is_unattributed"] else "attributed", usage),
            ("unallocated" if r["is_unallocated"] else "allocated", shared),
        ):
            c[key] = c.get(key, Decimal(0)) + amount
        c["items"] += int(r["usage_items"] or 0)
        c["missing"] += int(r["unrated_items"] or 0)
        if (r["usage_items"] or 0) > (r["unrated_items"] or 0):  # has rated usage
            c["centers"][r["cost_center"]] = c["centers"].get(r["cost_center"], Decimal(0)) + usage
    zero = Decimal(0)
    summaries = [
        CostSummary(
            currency=currency or "?",
            total_cost=c.get("total", zero),
            attributed_cost=c.get("attributed", zero),
            unattributed_cost=c.get("unattributed", zero),
            items=c["items"],
            missing_rate_items=c["missing"],
            shared_allocated=c.get("allocated", zero),
            shared_unallocated=c.get("unallocated", zero),
            top_cost_centers=sorted(c["centers"].items(), key=lambda kv: -kv[1])[:top],
        )
        for currency, c in by_currency.items()
        if c["items"]
    ]
    return sorted(summaries, key=lambda s: -s.total_cost)


def register(app: typer.Typer) -> None:
    """Add ``build`` to the CLI."""
    app.command("build")(build)


DbOption = typer.Option(None, "--db", help="Warehouse file (default: $CCFINOPS_DB, ./warehouse).")
TargetOption = typer.Option(
    "duckdb",
    "--target",
    help="dbt target: duckdb, postgres or spark (spark: the --db warehouse's raw tables are exported"
    " to parquet first, see README 'Apache Spark').",
)
FullRefreshOption = typer.Option(False, "--full-refresh", help="Rebuild incremental models from scratch.")
SelectOption = typer.Option(
    None,
    "--select",
    "-s",
    help="dbt node selection (repeatable); tests run when all their parents are selected.",
)


REGISTRY_TABLES = (
    "config_cost_centers",
    "config_rate_cards",
    "config_cost_pools",
    "config_cost_center_mappings",
)


def _missing_registries(db_path: Path) -> list[str]:
    """The registry tables a build rates and allocates with that the warehouse lacks."""
    from ingestion.warehouse import connect

    con = connect(db_path, read_only=True)
    try:
        present = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
    finally:
        con.close()
    return [f"raw.{t}" for t in REGISTRY_TABLES if t not in present]


def build(
    db: str | None = DbOption,
    target: str = TargetOption,
    full_refresh: bool = FullRefreshOption,
    select: list[str] | None = SelectOption,
) -> None:
    """Run ``dbt build`` (models, snapshots, tests) and print a short cost summary."""
    from flows.dbt_runner import TARGETS, DbtRunError, run_dbt
    from ingestion.warehouse import resolve_db_path

    if target not in TARGETS:
        typer.echo(f"--target must be one of {', '.join(TARGETS)}", err=True)
        raise typer.Exit(2)
    db_path = resolve_db_path(db) if target in ("duckdb", "spark") else None
    if db_path is not None and not db_path.exists():
        typer.echo(f"error: warehouse {db_path} does not exist; run `ccfinops ingest` first", err=True)
        raise typer.Exit(2)
    if db_path is not None and (missing := _missing_registries(db_path)):
        typer.echo(
            f"error: the registries are not loaded in {db_path} (no {', '.join(missing)}); "
            "run `ccfinops registries load` first",
            err=True,
        )
        raise typer.Exit(2)
    if target == "spark":
        from flows.dbt_runner import spark_dir
        from ingestion.lake import export_raw_to_lake

        # the raw tables dlt loaded into the DuckDB warehouse, as the parquet lake Spark reads
        lake = Path(os.environ.get("CCFINOPS_SPARK_LAKE") or spark_dir(db_path) / "lake")
        exported = export_raw_to_lake(db_path, lake)
        rows = sum(exported.row_counts.values())
        typer.echo(f"raw -> {exported.lake_dir}: {rows} rows, {exported.seconds:.1f} s")
        os.environ["CCFINOPS_SPARK_LAKE"] = str(exported.lake_dir)
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if select:
        # only the tests whose parents were all built (no failures from unselected models)
        args += ["--select", *select, "--indirect-selection", "cautious"]
    try:
        run_dbt(args, db_path, target=target)
    except DbtRunError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    try:
        summaries = cost_summary(db_path, target)
    except Exception as exc:  # e.g. a --select that did not build the summary mart on a new warehouse
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        typer.echo(f"no cost summary: analytics.rpt_cost_center_monthly cannot be read ({reason})")
        return
    for summary in summaries:
        for line in summary.lines():
            typer.echo(line)
