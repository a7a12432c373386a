"""Run the quality checkpoint for one pipeline run and keep its results in ``quality.dq_results``.

DuckDB: the check frame (``expectations.checks``) is computed in the warehouse for the months the
run touched and validated as a pandas DataFrame (GX's SQL datasource fails on DuckDB).
PostgreSQL: the frame is materialised as ``quality.dq_check_frame`` and validated through GX's
SQL datasource.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.checks import (
    CATALOG_SQL,
    Catalog,
    FrameQuery,
    QualityError,
    build_frame_query,
    months_sql,
    q,
)
from expectations.settings import EXPECTATIONS_DIR, QualitySettings, load_settings
from expectations.suites import (
    POSTGRES_FRAME_TABLE,
    ExpectationSpec,
    ensure_pandas_checkpoint,
    ensure_postgres_checkpoint,
    expectation_parameters,
    expectation_specs,
    open_context,
    set_docs_site,
)
from ingestion import warehouse as _warehouse

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from rich.table import Table

__all__ = ["DQ_RESULTS_COLUMNS", "ExpectationOutcome", "QualityError", "QualityResult", "run_quality"]

DQ_RESULTS_TABLE = "dq_results"
DQ_RESULTS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "varchar"),
    ("run_time", "timestamp with time zone"),
    ("suite", "varchar"),
    ("expectation", "varchar"),
    ("expectation_type", "varchar"),
    ("severity", "varchar"),
    ("success", "boolean"),
    ("observed_value", "varchar"),
    ("unexpected_count", "bigint"),
    ("element_count", "bigint"),
    ("periods", "varchar"),
    ("details", "varchar"),
)
DETAIL_SAMPLE = 50


def default_site_dir() -> Path:
    """``$CCFINOPS_QUALITY_SITE`` or ``<repo>/site/quality``."""
    from ingestion.warehouse import REPO_ROOT

    env = os.environ.get("CCFINOPS_QUALITY_SITE")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "site" / "quality"


def default_project_root() -> Path:
    """GX project root: ``$CCFINOPS_GX_PROJECT`` or ``expectations/`` (context in ``expectations/gx``)."""
    env = os.environ.get("CCFINOPS_GX_PROJECT")
    return Path(env).expanduser().resolve() if env else EXPECTATIONS_DIR


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's result in one checkpoint run."""

    suite: str
    expectation: str
    expectation_type: str
    check: str
    severity: str
    success: bool
    observed_value: str
    unexpected_count: int
    element_count: int
    unexpected: tuple[dict[str, Any], ...] = ()

    def unexpected_subjects(self) -> set[tuple[str, str]]:
        """``{(subject, detail)}`` of the failing rows (record id + reason, carrier combo + date...)."""
        return {(str(u.get("subject")), str(u.get("detail"))) for u in self.unexpected}


@dataclass
class QualityResult:
    """What ``run_quality`` returns."""

    run_id: str
    run_time: dt.datetime
    months: tuple[dt.date, ...]
    outcomes: list[ExpectationOutcome]
    docs_index: Path
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def success(self) -> bool:
        """True when no critical expectation failed."""
        return not self.critical_failures

    def outcome(self, name: str) -> ExpectationOutcome:
        for o in self.outcomes:
            if o.expectation == name:
                return o
        raise KeyError(name)

    def summary_table(self) -> Table:
        """A rich table: one line per expectation, failures first (examples: ``failure_lines()``)."""
        from rich.table import Table

        table = Table(title=f"Data quality — run {self.run_id} ({', '.join(_fmt_months(self.months))})")
        table.add_column("", no_wrap=True)
        table.add_column("suite / expectation", overflow="fold")
        table.add_column("severity", no_wrap=True)
        table.add_column("observed", overflow="fold")
        table.add_column("unexpected", justify="right", no_wrap=True)
        for o in sorted(self.outcomes, key=lambda o: (o.success, o.severity != "critical")):
            mark = (
                "[green]PASS[/]"
                if o.success
                else ("[red]FAIL[/]" if o.severity == "critical" else "[yellow]WARN[/]")
            )
            table.add_row(
                mark,
                f"{o.suite} / {o.expectation}",
                o.severity,
                o.observed_value,
                f"{o.unexpected_count} of {o.element_count}",
            )
        return table

    def failure_lines(self, per_expectation: int = 5) -> list[str]:
        """Plain lines naming the first failing rows of each failed expectation."""
        lines: list[str] = []
        for o in self.critical_failures + self.warnings:
            lines.append(f"{o.severity} {o.expectation}: {o.unexpected_count} row(s)")
            for u in o.unexpected[:per_expectation]:
                parts = [
                    str(u.get(k)) for k in ("period", "subject", "detail") if u.get(k) not in (None, "all")
                ]
                lines.append("  - " + " | ".join(parts))
            if o.unexpected_count > per_expectation:
                lines.append(
                    f"  … and {o.unexpected_count - per_expectation} more (Data Docs, quality.dq_results)"
                )
        return lines


def _fmt_months(months: Iterable[dt.date]) -> list[str]:
    return [m.strftime("%Y-%m") for m in months]


def parse_months(months: Sequence[str | dt.date] | None) -> list[dt.date] | None:
    """``['2026-10', date(2026, 11, 3)]`` → first days of those months (sorted, unique)."""
    if months is None:
        return None
    out: set[dt.date] = set()
    for m in months:
        if isinstance(m, dt.date):
            out.add(m.replace(day=1))
            continue
        try:
            out.add(dt.datetime.strptime(str(m).strip()[:7], "%Y-%m").date())
        except ValueError as exc:
            raise QualityError(f"month {m!r} is not YYYY-MM") from exc
    return sorted(out)


def _months_between(start: dt.date, end_exclusive: dt.date) -> list[dt.date]:
    out, cur = [], start.replace(day=1)
    while cur < end_exclusive:
        out.append(cur)
        cur = (cur.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _run_months(
    cursor_fetch: Any, catalog: Catalog, settings: QualitySettings, run_id: str | None
) -> list[dt.date]:
    """Months an ingest run touched (``raw.ingest_run_stats``), else every month in the usage mart."""
    raw = settings.raw_schema
    if run_id and catalog.has(raw, "ingest_run_stats"):
        rows = cursor_fetch(
            f"select min(window_start), max(window_end) from {q(raw)}.ingest_run_stats "
            f"where run_id = '{run_id.replace(chr(39), '')}'"
        )
        if rows and rows[0][0] is not None:
            start, end = rows[0]
            start_d = start.date() if isinstance(start, dt.datetime) else start
            end_d = end.date() if isinstance(end, dt.datetime) else end
            months = _months_between(start_d, max(end_d, start_d + dt.timedelta(days=1)))
            if months:
                return months
    return [
        r[0] if isinstance(r[0], dt.date) else dt.date.fromisoformat(str(r[0])[:10])
        for r in cursor_fetch(months_sql(catalog, settings))
    ]


def _json_safe(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, Decimal | dt.date | dt.datetime):
        return str(value)
    try:
        import pandas as pd

        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return value


def _format_observed(spec: ExpectationSpec, frame: pd.DataFrame, element_count: int, unexpected: int) -> str:
    if spec.observed is None:
        return f"{unexpected} of {element_count} rows"
    agg, column = spec.observed
    values = frame.loc[frame["check_name"] == spec.check, column].dropna()
    if values.empty:
        return "no rows"
    if agg == "absmax":
        worst = values.loc[values.abs().idxmax()]
        agg = "worst"
    else:
        worst = values.max() if agg == "max" else values.min()
    worst = _json_safe(worst)
    if column.endswith("_micros"):
        return f"{agg} {Decimal(int(worst)) / Decimal(1_000_000):f}"
    if column == "unattributed_share":
        return f"{agg} {float(worst):.4%}"
    if column == "lag_hours":
        return f"{agg} {float(worst):.1f} h"
    unit = {"unrated_rows": " unrated rows", "occurrences": " occurrences", "null_count": " nulls"}.get(
        column, ""
    )
    if column.endswith("_duration_ms"):
        unit = " ms"
    return f"{agg} {worst}{unit}"


def _outcomes(checkpoint_result: Any, frame: pd.DataFrame) -> list[ExpectationOutcome]:
    specs = {s.name: s for s in expectation_specs()}
    out: list[ExpectationOutcome] = []
    for suite_result in checkpoint_result.run_results.values():
        suite_name = suite_result.suite_name
        for r in suite_result.results:
            cfg = r.expectation_config
            meta = cfg.meta or {}
            name = meta.get("name", cfg.type)
            spec = specs.get(name)
            result = r.result or {}
            unexpected = tuple(
                {k: _json_safe(v) for k, v in item.items()}
                for item in result.get("unexpected_index_list")
                or result.get("partial_unexpected_index_list")
                or ()
            )
            unexpected_count = int(result.get("unexpected_count") or 0)
            element_count = int(result.get("element_count") or 0)
            exc = r.exception_info or {}
            raised = bool(exc.get("raised_exception")) if isinstance(exc, dict) else False
            if raised:
                observed = f"error: {str(exc.get('exception_message'))[:200]}"
            elif spec is not None:
                observed = _format_observed(spec, frame, element_count, unexpected_count)
            else:
                observed = str(result.get("observed_value"))
            severity = (
                cfg.severity.value if hasattr(cfg.severity, "value") else str(cfg.severity or "critical")
            )
            out.append(
                ExpectationOutcome(
                    suite=suite_name,
                    expectation=name,
                    expectation_type=cfg.type,
                    check=meta.get("check", ""),
                    severity=severity,
                    success=bool(r.success) and not raised,
                    observed_value=observed,
                    unexpected_count=unexpected_count,
                    element_count=element_count,
                    unexpected=unexpected,
                )
            )
    order = {s.name: i for i, s in enumerate(expectation_specs())}
    out.sort(key=lambda o: order.get(o.expectation, len(order)))
    return out


def _dq_rows(result: QualityResult) -> list[tuple[Any, ...]]:
    periods = ",".join(_fmt_months(result.months))
    return [
        (
            result.run_id,
            result.run_time,
            o.suite,
            o.expectation,
            o.expectation_type,
            o.severity,
            o.success,
            o.observed_value,
            o.unexpected_count,
            o.element_count,
            periods,
            json.dumps(list(o.unexpected[:DETAIL_SAMPLE]), default=str),
        )
        for o in result.outcomes
    ]


def _create_dq_results_sql(schema: str) -> list[str]:
    cols = ", ".join(f"{name} {sql_type}" for name, sql_type in DQ_RESULTS_COLUMNS)
    return [
        f"create schema if not exists {q(schema)}",
        f"create table if not exists {q(schema)}.{DQ_RESULTS_TABLE} ({cols})",
    ]


def _new_run_id() -> str:
    return "dq-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def run_quality(
    db_path: str | os.PathLike[str] | None,
    run_id: str | None = None,
    months: Sequence[str | dt.date] | None = None,
    *,
    site_dir: str | os.PathLike[str] | None = None,
    settings: QualitySettings | None = None,
    project_root: str | os.PathLike[str] | None = None,
    as_of: dt.datetime | None = None,
    target: str = "duckdb",
    pg_url: str | None = None,
) -> QualityResult:
    """Validate the months a pipeline run touched, append to ``quality.dq_results``, build Data Docs.

    ``months`` (``YYYY-MM`` or dates) defaults to the windows of ingest run ``run_id`` in
    ``raw.ingest_run_stats``, else every month in ``fct_usage_cost``. ``as_of`` (default now, UTC)
    is the reference time for freshness. ``target="postgres"`` validates the PostgreSQL warehouse
    at ``pg_url`` (default ``$CCFINOPS_PG_URL``) through GX's SQL datasource.
    """
    settings = settings or load_settings()
    run_time = dt.datetime.now(dt.UTC)
    as_of = as_of or run_time
    run_id = run_id or _new_run_id()
    site = Path(site_dir).expanduser().resolve() if site_dir else default_site_dir()
    site.mkdir(parents=True, exist_ok=True)
    root = Path(project_root).resolve() if project_root else default_project_root()
    wanted_months = parse_months(months)

    if target == "duckdb":
        frame, fq = _duckdb_frame(db_path, settings, run_id, wanted_months, as_of)
    elif target == "postgres":
        frame, fq = _postgres_frame(pg_url, settings, run_id, wanted_months, as_of)
    else:
        raise QualityError(f"unknown target {target!r} (duckdb | postgres)")

    from great_expectations.core.run_identifier import RunIdentifier

    context = open_context(root)
    previous_url = os.environ.get("CCFINOPS_PG_URL")
    try:
        if target == "duckdb":
            checkpoint = ensure_pandas_checkpoint(context, settings)
            batch_parameters: dict[str, Any] = {"dataframe": frame}
        else:
            # GX resolves the datasource's ${CCFINOPS_PG_URL} from the environment
            os.environ["CCFINOPS_PG_URL"] = pg_url or pg_url_from_env()
            checkpoint = ensure_postgres_checkpoint(context, settings)
            batch_parameters = {}
        # after the ensure_* calls: adding a datasource saves the context config, and the per-run
        # site folder must not end up in the committed great_expectations.yml
        set_docs_site(context, site)
        gx_result = checkpoint.run(
            batch_parameters=batch_parameters,
            expectation_parameters=expectation_parameters(settings),
            run_id=RunIdentifier(run_name=run_id, run_time=run_time),
        )
    finally:
        if previous_url is None:
            os.environ.pop("CCFINOPS_PG_URL", None)
        else:
            os.environ["CCFINOPS_PG_URL"] = previous_url
    result = QualityResult(
        run_id=run_id,
        run_time=run_time,
        months=fq.months,
        outcomes=_outcomes(gx_result, frame),
        docs_index=site / "index.html",
        notes=fq.notes,
    )
    if target == "duckdb":
        _append_duckdb(db_path, settings, result)
    else:
        _append_postgres(pg_url, settings, result)
    return result


# --- DuckDB -------------------------------------------------------------------------------------


def _duckdb_frame(
    db_path: str | os.PathLike[str] | None,
    settings: QualitySettings,
    run_id: str,
    months: list[dt.date] | None,
    as_of: dt.datetime,
) -> tuple[pd.DataFrame, FrameQuery]:

    from ingestion.warehouse import resolve_db_path

    path = resolve_db_path(db_path)
    if not path.exists():
        raise QualityError(
            f"warehouse {path} does not exist; run `ccfinops ingest` and `ccfinops build` first"
        )
    con = _warehouse.connect(str(path), read_only=True)
    try:
        # the check queries scan whole months: cap DuckDB's buffer pool (it spills beyond it)
        con.execute(f"set memory_limit = '{settings.duckdb_memory_limit}'")
        catalog = Catalog.from_rows(con.execute(CATALOG_SQL).fetchall())

        def fetch(sql: str) -> list[tuple[Any, ...]]:
            return con.execute(sql).fetchall()

        resolved = months or _run_months(fetch, catalog, settings, run_id)
        fq = build_frame_query(catalog, settings, resolved, as_of)
        frame = con.execute(fq.sql).df()
    finally:
        con.close()
    return frame, fq


def _append_duckdb(
    db_path: str | os.PathLike[str] | None, settings: QualitySettings, result: QualityResult
) -> None:

    from ingestion.warehouse import resolve_db_path

    rows = _dq_rows(result)
    con = _warehouse.connect(str(resolve_db_path(db_path)))
    try:
        con.execute("begin transaction")
        for stmt in _create_dq_results_sql(settings.results_schema):
            con.execute(stmt)
        placeholders = ", ".join("?" for _ in DQ_RESULTS_COLUMNS)
        con.executemany(
            f"insert into {q(settings.results_schema)}.{DQ_RESULTS_TABLE} values ({placeholders})", rows
        )
        con.execute("commit")
    finally:
        con.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_url_from_env() -> str:
    """The warehouse's PostgreSQL URL (``ingestion.warehouse.postgres_url``) or a QualityError."""
    from ingestion.warehouse import postgres_url

    try:
        return postgres_url()
    except ValueError as exc:
        raise QualityError(str(exc)) from exc


def _pg_connect(pg_url: str | None) -> Any:
    from ingestion.warehouse import connect_postgres

    return connect_postgres(pg_url or pg_url_from_env())


def _postgres_frame(
    pg_url: str | None,
    settings: QualitySettings,
    run_id: str,
    months: list[dt.date] | None,
    as_of: dt.datetime,
) -> tuple[pd.DataFrame, FrameQuery]:
    import pandas as pd

    url = pg_url or pg_url_from_env()
    con = _pg_connect(url)
    try:
        with con, con.cursor() as cur:

            def fetch(sql: str) -> list[tuple[Any, ...]]:
                cur.execute(sql)
                return cur.fetchall()

            catalog = Catalog.from_rows(fetch(CATALOG_SQL))
            resolved = months or _run_months(fetch, catalog, settings, run_id)
            fq = build_frame_query(catalog, settings, resolved, as_of)
            schema = q(settings.results_schema)
            cur.execute(f"create schema if not exists {schema}")
            cur.execute(f"drop table if exists {schema}.{POSTGRES_FRAME_TABLE}")
            cur.execute(f"create table {schema}.{POSTGRES_FRAME_TABLE} as {fq.sql}")
            cur.execute(f"select * from {schema}.{POSTGRES_FRAME_TABLE}")
            names = [d[0] for d in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=names)
    finally:
        con.close()
    for col in frame.columns:
        if col not in ("check_name", "period", "subject", "detail", "gap", "queue_reason"):
            frame[col] = pd.to_numeric(frame[col])
    return frame, fq


def _append_postgres(pg_url: str | None, settings: QualitySettings, result: QualityResult) -> None:
    con = _pg_connect(pg_url)
    try:
        with con, con.cursor() as cur:
            for stmt in _create_dq_results_sql(settings.results_schema):
                cur.execute(stmt)
            placeholders = ", ".join("%s" for _ in DQ_RESULTS_COLUMNS)
            cur.executemany(
                f"insert into {q(settings.results_schema)}.{DQ_RESULTS_TABLE} values ({placeholders})",
                _dq_rows(result),
            )
    finally:
        con.close()
