"""The raw schema as a parquet lake for Spark: one folder per raw table, hive-partitioned by UTC day.

dlt loads the raw tables into the DuckDB warehouse; :func:`export_raw_to_lake` copies every table of
schema ``raw`` to ``<lake>/raw/<table>/`` as parquet (``day=YYYY-MM-DD/`` sub-folders for the event
tables, one file for registries and other small tables). The ``spark`` dbt target declares these
folders as the ``raw`` sources (``spark__ensure_optional_raw_tables`` in
``dbt_project/macros/spark/spark_dialect.sql``). A table is written to a staging folder first and
swapped in whole, so a failed export leaves the previous copy readable and nothing half-written.
Types survive the trip: timestamps with time zone become parquet UTC timestamps (Spark ``timestamp``),
decimals keep their precision and scale.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ingestion.warehouse import RAW_DATASET, connect

#: the UTC day of these columns partitions the event tables (hive layout ``day=YYYY-MM-DD``)
DAY_COLUMNS: dict[str, str] = {
    "genesys_conversations": "conversation_start",
    "genesys_sessions": "session_start",
    "genesys_segments": "segment_start",
    "genesys_evaluations": "evaluated_at",
    "genesys_voice_usage": "call_start",
    "genesys_queue_intervals": "interval_start",
    "cxone_contacts": "contact_start",
}
#: day folder of rows whose day column is null
NO_DAY = "none"


@dataclass(frozen=True)
class LakeExport:
    """What one export wrote: rows per table and the wall time in seconds."""

    lake_dir: Path
    row_counts: dict[str, int]
    seconds: float


def default_lake_dir() -> Path:
    """``$CCFINOPS_SPARK_LAKE``, else ``$CCFINOPS_SPARK_DIR/lake`` (the spark target's defaults)."""
    lake = os.environ.get("CCFINOPS_SPARK_LAKE")
    if lake:
        return Path(lake)
    return Path(os.environ.get("CCFINOPS_SPARK_DIR", "warehouse/spark")) / "lake"


def export_raw_to_lake(db_path: str | os.PathLike[str], lake_dir: str | os.PathLike[str]) -> LakeExport:
    """Write every table of the warehouse's ``raw`` schema as parquet under ``<lake_dir>/raw/``."""
    started = time.perf_counter()
    root = Path(lake_dir).resolve() / RAW_DATASET
    root.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    con = connect(db_path, read_only=True)
    try:
        con.execute("set preserve_insertion_order = false")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [RAW_DATASET],
            ).fetchall()
        ]
        for table in tables:
            if table.startswith("_dlt"):
                continue
            counts[table] = _export_table(con, table, root)
    finally:
        con.close()
    return LakeExport(root.parent, counts, time.perf_counter() - started)


def _export_table(con: object, table: str, root: Path) -> int:
    staging = root / f".{table}.staging"
    final = root / table
    shutil.rmtree(staging, ignore_errors=True)
    source = f'"{RAW_DATASET}"."{table}"'
    rows = int(con.execute(f"select count(*) from {source}").fetchone()[0])  # type: ignore[attr-defined]
    day_column = DAY_COLUMNS.get(table)
    if day_column and rows:
        day = f"coalesce(strftime(\"{day_column}\" at time zone 'UTC', '%Y-%m-%d'), '{NO_DAY}')"
        con.execute(  # type: ignore[attr-defined]
            f"copy (select *, {day} as day from {source}) to '{staging}'"
            " (format parquet, partition_by (day), compression zstd)"
        )
    else:
        # one file, also for an empty table: Spark reads its schema from the footer
        staging.mkdir(parents=True)
        target = staging / "part-0.parquet"
        con.execute(  # type: ignore[attr-defined]
            f"copy (select * from {source}) to '{target}' (format parquet, compression zstd)"
        )
    old = root / f".{table}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return rows
