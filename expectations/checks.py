"""The small "check frame" Great Expectations validates, selected from the dbt check models.

Every check is a dbt model in ``dbt_project/models/quality`` (views in schema ``quality``): they
aggregate in the warehouse (per month, per rated key, per pool, per FOCUS column...) so the frame
stays small even for 10 M-row months; only records that lack cost metadata come back one row each.
Rules (what counts as unattributed, how usage is rated, the pools' caps) live in those models; this
module only selects the months being validated and pads the rows to one column set (``check_name``
tells them apart; each expectation selects its rows with a row condition). Checks dbt's own tests
make (uniqueness, allocation conservation) and source freshness (``dbt source freshness``) are
not repeated here. The SQL runs unchanged on DuckDB and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from expectations.settings import QualitySettings

# (column, SQL type) of the check frame, in order.
FRAME_COLUMNS: tuple[tuple[str, str], ...] = (
    ("check_name", "varchar"),
    ("period", "varchar"),
    ("subject", "varchar"),
    ("detail", "varchar"),
    ("gap", "varchar"),
    ("queue_reason", "varchar"),
    ("unattributed_share", "double precision"),
    ("usage_rows", "bigint"),
    ("unrated_rows", "bigint"),
    ("min_duration_ms", "bigint"),
    ("max_duration_ms", "bigint"),
    ("occurrences", "bigint"),
    ("lag_hours", "double precision"),
    ("difference_micros", "bigint"),
    ("registry_difference_micros", "bigint"),
    ("null_count", "bigint"),
)
FRAME_INDEX_COLUMNS = ["period", "subject", "detail"]

USAGE_MART = "fct_usage_cost"
QUEUE_MART = "reconciliation_queue"
QUALITY_SCHEMA = "quality"
#: the dbt models (dbt_project/models/quality) each check reads; they hold every rule
CHECK_MODELS = {
    "usage_gaps": "dq_usage_gaps",
    "unattributed_share": "dq_unattributed_share_monthly",
    "rate_coverage": "dq_rate_coverage",
    "durations": "dq_durations",
    "allocation": "dq_allocation_registry",
    "focus_mandatory": "dq_focus_nulls",
}


class QualityError(RuntimeError):
    """The warehouse cannot be checked (missing marts, bad months...)."""


@dataclass
class Catalog:
    """Which tables/columns exist: ``{(schema, table): {lower column name: actual name}}``."""

    tables: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str]]) -> Catalog:
        """Build from ``(table_schema, table_name, column_name)`` rows of information_schema."""
        cat = cls()
        for schema, table, column in rows:
            cat.tables.setdefault((schema.lower(), table.lower()), {})[column.lower()] = column
        return cat

    def has(self, schema: str, table: str) -> bool:
        return (schema.lower(), table.lower()) in self.tables

    def column(self, schema: str, table: str, name: str) -> str | None:
        """The actual spelling of a column, or None when the table lacks it."""
        return self.tables.get((schema.lower(), table.lower()), {}).get(name.lower())

    def schema_of(self, table: str, preferred: str) -> str | None:
        """``preferred`` if it holds ``table``, else the first schema that does."""
        if self.has(preferred, table):
            return preferred
        found = sorted(s for (s, t) in self.tables if t == table.lower())
        return found[0] if found else None


CATALOG_SQL = """
select table_schema, table_name, column_name
from information_schema.columns
where table_schema not in ('information_schema', 'pg_catalog')
"""


def q(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """Quote a string literal."""
    return "'" + value.replace("'", "''") + "'"


def month_list_sql(months: Sequence[dt.date]) -> str:
    return ", ".join(f"date '{m.isoformat()}'" for m in months)


def _period(expr: str) -> str:
    """``YYYY-MM`` of a date/timestamp expression."""
    return f"substr(cast(cast(date_trunc('month', {expr}) as date) as varchar), 1, 7)"


def _pad(check: str, select_cols: dict[str, str], body: str) -> str:
    """One ``select`` of the union with every frame column (typed nulls where absent)."""
    cols = []
    for name, sql_type in FRAME_COLUMNS:
        if name == "check_name":
            cols.append(f"{lit(check)} as check_name")
        elif name in select_cols:
            cols.append(f"cast({select_cols[name]} as {sql_type}) as {name}")
        else:
            cols.append(f"cast(null as {sql_type}) as {name}")
    return "select " + ", ".join(cols) + "\n" + body


@dataclass(frozen=True)
class FrameQuery:
    """The union query plus what it covers."""

    sql: str
    months: tuple[dt.date, ...]
    notes: tuple[str, ...] = ()


def build_frame_query(
    catalog: Catalog,
    settings: QualitySettings,
    months: Sequence[dt.date],
    as_of: dt.datetime,
) -> FrameQuery:
    """Select the rows of every check model (``dbt_project/models/quality``) for ``months`` as one frame.

    The models compute the checks; this only pads them to the frame's common columns. ``as_of`` is
    kept for the checkpoint's signature (freshness is ``dbt source freshness``'s job).
    """
    marts = catalog.schema_of(USAGE_MART, settings.marts_schema)
    if marts is None:
        raise QualityError(
            f"the warehouse has no {USAGE_MART} mart (schema {settings.marts_schema!r}); "
            "run `ccfinops build` first"
        )
    missing = [f"{QUALITY_SCHEMA}.{m}" for m in CHECK_MODELS.values() if not catalog.has(QUALITY_SCHEMA, m)]
    if missing:
        raise QualityError(
            f"missing tables in the warehouse: {', '.join(missing)}; run `ccfinops build` first"
        )
    if not months:
        raise QualityError("no months to validate: fct_usage_cost is empty and no months were given")
    in_months = f"month in ({month_list_sql(months)})"

    def model(check: str) -> str:
        return f"{q(QUALITY_SCHEMA)}.{q(CHECK_MODELS[check])}"

    parts = [
        _pad(
            "usage_gaps",
            {
                "period": _period("month"),
                "subject": "source_record_id",
                "detail": "gap",
                "gap": "gap",
                "queue_reason": "queue_reason",
            },
            f"from {model('usage_gaps')}\nwhere {in_months}",
        ),
        _pad(
            "unattributed_share",
            {
                "period": _period("month"),
                "subject": "'all'",
                "detail": "'unattributed ' || cast(unattributed_cost as varchar) || ' of ' || "
                "cast(total_cost as varchar)",
                "unattributed_share": "unattributed_share",
                "usage_rows": "usage_rows",
            },
            f"from {model('unattributed_share')}\nwhere {in_months}",
        ),
        _pad(
            "rate_coverage",
            {
                "period": _period("month"),
                "subject": "rate_key",
                "detail": "cast(first_unrated_date as varchar)",
                "usage_rows": "usage_rows",
                "unrated_rows": "unrated_rows",
            },
            f"from {model('rate_coverage')}\nwhere {in_months}",
        ),
        _pad(
            "durations",
            {
                "period": _period("month"),
                "subject": "cast(usage_date as varchar) || '/' || platform || '/' || usage_type",
                "detail": "case when min_duration_ms < 0 then shortest_record_id else longest_record_id end",
                "usage_rows": "usage_rows",
                "min_duration_ms": "min_duration_ms",
                "max_duration_ms": "max_duration_ms",
            },
            f"from {model('durations')}\nwhere {in_months}",
        ),
        _pad(
            "allocation",
            {
                "period": _period("month"),
                "subject": "cost_pool",
                "detail": "'pool ' || cast(pool_amount as varchar) || ', registry cap ' || "
                "coalesce(cast(registry_cap as varchar), 'none')",
                "usage_rows": "allocation_rows",
                "registry_difference_micros": "registry_difference_micros",
            },
            f"from {model('allocation')}\nwhere {in_months}",
        ),
    ]
    # FOCUS mandatory columns (config.yaml): a column missing from the export is a failing row too.
    if settings.focus_mandatory_columns:
        wanted = " union all ".join(
            f"select {lit(c)} as column_name" for c in settings.focus_mandatory_columns
        )
        parts.append(
            _pad(
                "focus_mandatory",
                {
                    "period": "coalesce(" + _period("n.month") + ", 'all')",
                    "subject": "w.column_name",
                    "detail": "case when n.column_name is null then 'column missing from the FOCUS export' "
                    "else 'null in ' || cast(n.null_count as varchar) || ' of ' || "
                    "cast(n.focus_rows as varchar) || ' rows' end",
                    "usage_rows": "n.focus_rows",
                    "null_count": "coalesce(n.null_count, 1)",
                },
                f"from ({wanted}) as w\nleft join (select * from {model('focus_mandatory')}\n"
                f"where {in_months}) as n on n.column_name = w.column_name",
            )
        )
    sql = "\nunion all\n".join(f"({p})" for p in parts)
    return FrameQuery(sql=sql, months=tuple(months), notes=())


def months_sql(catalog: Catalog, settings: QualitySettings) -> str:
    """Distinct months present in the usage mart."""
    marts = catalog.schema_of(USAGE_MART, settings.marts_schema)
    if marts is None:
        raise QualityError(f"the warehouse has no {USAGE_MART} mart; run `ccfinops build` first")
    return (
        f"select distinct cast(date_trunc('month', usage_date) as date) as m "
        f"from {q(marts)}.{q(USAGE_MART)} order by 1"
    )
