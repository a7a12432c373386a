"""BI snapshot: publish the marts to a read-only DuckDB file and hive-partitioned Parquet.

The snapshot is written under a temporary name and atomically renamed over the previous one
(``os.replace``), so a BI tool holding the old file open keeps reading a consistent old copy and never
blocks publishing. Parquet goes to a new version folder per publish, and the ``current`` symlink is
swapped atomically to it; the previous version is kept for readers that still have it open.

The DuckDB file is written in an older storage format (default ``v1.4.0``, set by ``storage_version`` or
``$CCFINOPS_SNAPSHOT_STORAGE_VERSION``) so that the DuckDB 1.x drivers BI tools ship (JDBC/ODBC, Node,
Python ``duckdb<2``) open it; DuckDB 2.x reads it too.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flows.locks import warehouse_lock
from flows.settings import snapshot_dir
from ingestion import warehouse as _warehouse

MARTS_SCHEMA = "analytics"
MARTS: tuple[str, ...] = (
    "fct_usage_cost",
    "fct_cost_allocation_monthly",
    "fct_cost_per_resolved_weekly",
    "fct_cost_center_daily",
    "fct_guardrail_baselines",
    "reconciliation_queue",
    "focus_cost_and_usage",
    "fct_cost_forecast_daily",
    "fct_cost_forecast_monthly",
)
SNAPSHOT_FILE = "ccfinops_marts.duckdb"
# Oldest DuckDB release whose readers must open the snapshot (DuckDB's ATTACH ... (storage_version ...)).
DEFAULT_STORAGE_VERSION = "v1.4.0"
STORAGE_VERSION_ENV = "CCFINOPS_SNAPSHOT_STORAGE_VERSION"
# First column found (case-insensitive) gives a mart's partition month.
MONTH_COLUMNS = (
    "month",
    "usage_date",
    "usage_start",
    "week_start",
    "cost_date",
    "chargeperiodstart",
    "billingperiodstart",
)
COST_CENTER_COLUMNS = ("cost_center", "x_cost_center", "x_costcenter")
# Guardrail mitigations live in the executor's SQLite file (guardrails/executor.py), not in the warehouse;
# the snapshot carries a copy (always present, empty when there is no such file) for BI tools.
GUARDRAIL_ACTIONS_TABLE = "guardrail_actions"
GUARDRAIL_ACTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("action_id", "varchar"),
    ("day", "date"),
    ("cost_center", "varchar"),
    ("mitigation", "varchar"),
    ("kind", "varchar"),
    ("platform", "varchar"),
    ("mode", "varchar"),
    ("state", "varchar"),
    ("policy_version", "varchar"),
    ("trigger_event_id", "varchar"),
    ("error", "varchar"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)


@dataclass
class SnapshotResult:
    """What one publish wrote."""

    duckdb_path: Path
    parquet_root: Path
    version: str
    storage_version: str = DEFAULT_STORAGE_VERSION
    seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _existing_relations(con, schema: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = ? order by table_name, ordinal_position",
        [schema],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _partition_select(schema: str, mart: str, columns: list[str]) -> tuple[str, list[str]]:
    """SQL selecting the mart plus its hive partition columns, and those column names."""
    lower = {c.lower(): c for c in columns}
    extra: list[str] = []
    parts: list[str] = []
    month_col = next((lower[c] for c in MONTH_COLUMNS if c in lower), None)
    if month_col is not None:
        if month_col.lower() != "month":
            extra.append(f"cast(date_trunc('month', {_quote(month_col)}) as date) as month")
        parts.append("month")
    cc_col = next((lower[c] for c in COST_CENTER_COLUMNS if c in lower), None)
    if cc_col is not None:
        if cc_col.lower() != "cost_center":
            extra.append(f"{_quote(cc_col)} as cost_center")
        parts.append("cost_center")
    select = ", ".join(["*", *extra])
    return f"select {select} from {_quote(schema)}.{_quote(mart)}", parts


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_snapshot(
    db_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | None = None,
    *,
    schema: str = MARTS_SCHEMA,
    marts: tuple[str, ...] = MARTS,
    keep_versions: int = 2,
    require: tuple[str, ...] = (),
    storage_version: str | None = None,
    actions_db: str | os.PathLike[str] | None = None,
) -> SnapshotResult:
    """Copy ``marts`` from the warehouse into ``<out>/ccfinops_marts.duckdb`` and ``<out>/parquet/current``.

    Marts missing from the warehouse are skipped and listed in ``missing``; a name in ``require`` that
    is missing raises ``LookupError`` before anything is written. ``storage_version`` (else
    ``$CCFINOPS_SNAPSHOT_STORAGE_VERSION``, else ``v1.4.0``) is the DuckDB storage format of the file.
    Guardrail actions are copied from ``actions_db`` (default: the guardrail executor's file under
    ``$CCFINOPS_SPOOL_DIR``, else ``<warehouse folder>/spool``) into ``guardrail_actions``.
    """

    started = time.perf_counter()
    storage = storage_version or os.environ.get(STORAGE_VERSION_ENV) or DEFAULT_STORAGE_VERSION
    out = snapshot_dir(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp_db = out / f".{SNAPSHOT_FILE}.tmp-{version}"
    parquet_root = out / "parquet"
    parquet_root.mkdir(exist_ok=True)
    tmp_parquet = parquet_root / f".v-{version}.tmp"
    final_parquet = parquet_root / f"v-{version}"
    result = SnapshotResult(out / SNAPSHOT_FILE, parquet_root / "current", version, storage)
    with warehouse_lock(db_path):
        con = _warehouse.connect(str(Path(db_path).resolve()))
        try:
            relations = _existing_relations(con, schema)
            wanted = [m for m in marts if m in relations]
            result.missing = [m for m in marts if m not in relations]
            absent = [m for m in require if m not in relations]
            if absent:
                raise LookupError(
                    f"cannot publish: marts {absent} missing from schema {schema!r} of {db_path}"
                )
            con.execute(f"attach {_sql_str(tmp_db)} as ccf_snapshot (storage_version {_sql_str(storage)})")
            try:
                for mart in wanted:
                    con.execute(
                        f"create table ccf_snapshot.main.{_quote(mart)} as "
                        f"select * from {_quote(schema)}.{_quote(mart)}"
                    )
                    count = con.execute(f"select count(*) from ccf_snapshot.main.{_quote(mart)}").fetchone()
                    result.row_counts[mart] = int(count[0])
                result.row_counts[GUARDRAIL_ACTIONS_TABLE] = _copy_guardrail_actions(
                    con, _actions_db_path(db_path, actions_db)
                )
                con.execute(
                    "create table ccf_snapshot.main._snapshot_info as select "
                    "cast(? as varchar) as version, cast(? as timestamptz) as published_at, "
                    "cast(? as varchar) as marts, cast(? as varchar) as storage_version",
                    [version, datetime.now(UTC), ",".join(wanted), storage],
                )
                con.execute("checkpoint ccf_snapshot")
            finally:
                con.execute("detach ccf_snapshot")
            tmp_parquet.mkdir()
            for mart in wanted:  # (guardrail_actions: DuckDB file only)
                select, parts = _partition_select(schema, mart, relations[mart])
                target = tmp_parquet / mart
                options = "format parquet"
                if parts:
                    options += f", partition_by ({', '.join(parts)})"
                if result.row_counts[mart] == 0:
                    target.mkdir()
                    continue
                con.execute(f"copy ({select}) to {_sql_str(target)} ({options})")
        except BaseException:
            tmp_db.unlink(missing_ok=True)
            Path(str(tmp_db) + ".wal").unlink(missing_ok=True)
            shutil.rmtree(tmp_parquet, ignore_errors=True)
            raise
        finally:
            con.close()
    # Publish: read-only file, atomic rename over the previous snapshot (readers keep the old inode).
    os.chmod(tmp_db, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(tmp_db, result.duckdb_path)
    os.replace(tmp_parquet, final_parquet)
    link_tmp = parquet_root / f".current-{version}"
    os.symlink(final_parquet.name, link_tmp)
    os.replace(link_tmp, parquet_root / "current")
    _fsync_dir(out)
    _fsync_dir(parquet_root)
    _prune_versions(parquet_root, keep_versions)
    result.seconds = time.perf_counter() - started
    return result


def _actions_db_path(db_path: str | os.PathLike[str], explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    spool = os.environ.get("CCFINOPS_SPOOL_DIR") or Path(db_path).resolve().parent / "spool"
    return Path(spool) / "audit" / "actions.sqlite"


def _copy_guardrail_actions(con, actions_db: Path) -> int:
    """Create ``ccf_snapshot.main.guardrail_actions`` from the executor's SQLite file; rows copied."""
    import sqlite3

    names = [name for name, _ in GUARDRAIL_ACTION_COLUMNS]
    con.execute(
        f"create table ccf_snapshot.main.{GUARDRAIL_ACTIONS_TABLE} ("
        + ", ".join(f"{name} {type_}" for name, type_ in GUARDRAIL_ACTION_COLUMNS)
        + ")"
    )
    if not actions_db.is_file():
        return 0
    src = sqlite3.connect(f"file:{actions_db}?mode=ro", uri=True)
    try:
        rows = src.execute(f"select {', '.join(names)} from actions order by day, action_id").fetchall()
    except sqlite3.Error as exc:
        raise LookupError(f"cannot read guardrail actions from {actions_db}: {exc}") from None
    finally:
        src.close()
    if rows:
        con.executemany(
            f"insert into ccf_snapshot.main.{GUARDRAIL_ACTIONS_TABLE} values ({', '.join('?' * len(names))})",
            rows,
        )
    return len(rows)


def _sql_str(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _prune_versions(parquet_root: Path, keep: int) -> None:
    """Drop old Parquet versions beyond the newest ``keep`` (open files stay readable on POSIX)."""
    versions = sorted(p for p in parquet_root.glob("v-*") if p.is_dir())
    for old in versions[: max(len(versions) - max(keep, 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)


def open_snapshot(out_dir: str | os.PathLike[str] | None = None):
    """A read-only connection to the published snapshot (what a BI tool would open)."""

    return _warehouse.connect(str(snapshot_dir(out_dir) / SNAPSHOT_FILE), read_only=True)
