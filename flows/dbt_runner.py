"""Run dbt commands on the warehouse through dbt's programmatic runner (``dbtRunner``).

``run_dbt(["build"], db_path)`` points dbt at ``dbt_project/`` (project and profiles), sets
``CCFINOPS_DB`` for the duckdb target (``CCFINOPS_SPARK_DIR`` for the spark target: metastore,
managed tables and the raw parquet lake beside the DuckDB file) and keeps dbt's artefacts
(``target/``, logs, partial-parse cache) beside the warehouse file, so concurrent builds of
different warehouses never share a ``target/`` folder. A failed invocation raises
:class:`DbtRunError` naming every failing node.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingestion.warehouse import DBT_PROJECT_DIR, resolve_db_path

TARGETS = ("duckdb", "postgres", "spark")
#: dbt_project/selectors.yml: what an hourly telemetry run rebuilds (touched days, no full-table marts)
HOURLY_SELECTOR = "hourly"
_FAILED = {"error", "fail", "runtime error"}


@dataclass(frozen=True)
class FailedNode:
    """One node dbt reported as failed: its id, status and message."""

    unique_id: str
    status: str
    message: str

    def __str__(self) -> str:
        return f"{self.unique_id} [{self.status}]: {self.message}"


class DbtRunError(RuntimeError):
    """A dbt invocation failed; ``failed`` lists the failing nodes (empty when dbt itself crashed)."""

    def __init__(self, args: Sequence[str], failed: list[FailedNode], cause: str | None = None) -> None:
        self.args_used = list(args)
        self.failed = failed
        lines = [f"dbt {' '.join(args)} failed"]
        if cause:
            lines.append(f"  {cause}")
        lines += [f"  - {node}" for node in failed]
        super().__init__("\n".join(lines))


def artifacts_dir(db_path: Path | None, target: str) -> Path:
    """Where dbt writes target/ and logs for this warehouse (beside the DuckDB file)."""
    if target == "duckdb" and db_path is not None:
        return db_path.parent / ".dbt" / db_path.stem
    if target == "spark":
        return spark_dir() / "dbt"
    port = os.environ.get("CCFINOPS_PG_PORT", "5432")
    return DBT_PROJECT_DIR / "target" / f"postgres-{port}"


def run_dbt(
    args: Sequence[str],
    db_path: str | os.PathLike[str] | None = None,
    target: str = "duckdb",
    *,
    quiet: bool = False,
    target_path: Path | None = None,
) -> Any:
    """Invoke ``dbt <args>`` on the warehouse and return the ``dbtRunnerResult``.

    ``db_path`` is resolved like every ``--db`` option (``$CCFINOPS_DB``, then
    ``./warehouse/ccfinops.duckdb``). Raises :class:`DbtRunError` when dbt reports a failure.
    """
    from dbt.cli.main import dbtRunner

    if target not in TARGETS:
        raise ValueError(f"unknown dbt target {target!r}; expected one of {', '.join(TARGETS)}")
    resolved = resolve_db_path(db_path) if target == "duckdb" else None
    if resolved is not None:
        os.environ["CCFINOPS_DB"] = str(resolved)
    if target == "spark":
        _pin_spark_dir(spark_dir(db_path))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    out_dir = target_path or artifacts_dir(resolved, target)
    full_args = [
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
        "--target-path",
        str(out_dir / "target"),
        "--log-path",
        str(out_dir / "logs"),
    ]
    try:
        result = dbtRunner().invoke(_with_global_flags(full_args, quiet))
    finally:
        if target == "duckdb":
            release_duckdb()
    if not result.success:
        failed = failed_nodes(result)
        cause = None
        if result.exception is not None:
            cause = f"{type(result.exception).__name__}: {result.exception}"
        elif not failed:
            cause = "dbt reported failure without node results"
        raise DbtRunError(list(args), failed, cause)
    return result


def _whole_build_marker(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{db_path}.whole-build")


def hourly_selector(db_path: str | os.PathLike[str], today: date | None = None) -> str | None:
    """The selector of an hourly build, or None when the whole project must be built.

    None until the whole project has been built on this warehouse today (UTC; see
    :func:`record_whole_build`): the first telemetry run of each day refreshes every mart (monthly
    allocation, weekly efficiency, FOCUS, reconciliation, reporting), the others rebuild only the
    touched days (:data:`HOURLY_SELECTOR`).
    """
    day = today or datetime.now(UTC).date()
    try:
        built = date.fromisoformat(_whole_build_marker(db_path).read_text().strip())
    except (OSError, ValueError):
        return None
    return HOURLY_SELECTOR if built >= day else None


def record_whole_build(db_path: str | os.PathLike[str], today: date | None = None) -> None:
    """Remember that the whole project was built on this warehouse today (UTC)."""
    _whole_build_marker(db_path).write_text((today or datetime.now(UTC).date()).isoformat())


def spark_dir(db_path: str | os.PathLike[str] | None = None) -> Path:
    """The spark target's folder: ``$CCFINOPS_SPARK_DIR``, else ``<warehouse>.spark/`` beside the DuckDB file.

    It holds the Derby metastore, the managed tables (``spark-warehouse/``) and the raw parquet
    lake (``lake/``, see ``ingestion/lake.py``) - never the repo (``warehouse/`` is gitignored).
    """
    configured = os.environ.get("CCFINOPS_SPARK_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    db = resolve_db_path(db_path)
    return db.parent / f"{db.stem}.spark"


_SPARK_SESSION_DIR: list[Path] = []


def _pin_spark_dir(folder: Path) -> None:
    # one Spark session (one JVM, one metastore) per process: its folder cannot change later
    if _SPARK_SESSION_DIR and _SPARK_SESSION_DIR[0] != folder:
        raise RuntimeError(
            f"this process already runs Spark on {_SPARK_SESSION_DIR[0]}; {folder} needs a new process"
        )
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["CCFINOPS_SPARK_DIR"] = str(folder)
    os.environ.setdefault("CCFINOPS_SPARK_LAKE", str(folder / "lake"))
    # the raw tables a local lake has (sources not exported yet stay absent on Spark, as on DuckDB)
    raw = Path(os.environ["CCFINOPS_SPARK_LAKE"]) / "raw"
    if raw.is_dir():
        tables = sorted(p.name for p in raw.iterdir() if p.is_dir() and not p.name.startswith("."))
        os.environ["CCFINOPS_SPARK_RAW_TABLES"] = ",".join(tables)
    else:  # a remote lake (s3a://, abfss://...): every raw source is registered
        os.environ.pop("CCFINOPS_SPARK_RAW_TABLES", None)
    if not _SPARK_SESSION_DIR:
        _SPARK_SESSION_DIR.append(folder)


def spark_session() -> Any:
    """The Spark session dbt-spark's ``session`` method runs in (this process; after a spark ``run_dbt``)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    # dbt ran the nodes in worker threads, so there is no "active" session here: take the one
    # default session of the running context (getOrCreate would start a new, unconfigured one)
    if SparkContext._active_spark_context is None:
        raise RuntimeError("no Spark session in this process: run_dbt(..., target='spark') first")
    return SparkSession.builder.getOrCreate()


def release_duckdb() -> None:
    """Close the DuckDB connection dbt-duckdb keeps for the process (frees the file for others)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - adapter not installed
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


def _with_global_flags(args: list[str], quiet: bool) -> list[str]:
    # global flags go before the sub-command
    flags = ["--no-use-colors", "--no-send-anonymous-usage-stats"]
    if quiet:
        flags.append("--quiet")
    return [*flags, *args]


def failed_nodes(result: Any) -> list[FailedNode]:
    """The nodes of a ``dbtRunnerResult`` whose status is error / fail / runtime error."""
    nodes: list[FailedNode] = []
    for item in getattr(getattr(result, "result", None), "results", None) or []:
        status = str(getattr(item, "status", "")).lower()
        if status in _FAILED:
            node = getattr(item, "node", None)
            unique_id = getattr(node, "unique_id", "?")
            lines = [line.strip() for line in (getattr(item, "message", None) or "").splitlines()]
            message = " | ".join(line for line in lines if line)
            nodes.append(FailedNode(unique_id, status, message[:600]))
    return nodes


def model_timings(run_results_path: Path) -> dict[str, float]:
    """Execution seconds per model from a ``run_results.json`` (models, snapshots and seeds)."""
    import json

    data = json.loads(run_results_path.read_text())
    timings: dict[str, float] = {}
    for item in data.get("results", []):
        uid = item.get("unique_id", "")
        if uid.split(".")[0] in {"model", "snapshot", "seed"}:
            timings[uid] = float(item.get("execution_time") or 0.0)
    return timings
