"""SQL that reduces the warehouse to the small "check frame" Great Expectations validates.

Every check aggregates in the warehouse first (per month, per carrier, per pool, per key...) so the
frame stays small even for 10 M-row months; only records that lack cost metadata (the
reconciliation candidates) and duplicated keys come back one row each. One ``union all`` query
returns every check's rows with a common column set; ``check_name`` tells them apart and each
expectation selects its rows with a row condition. The SQL runs unchanged on DuckDB and PostgreSQL.
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
ALLOCATION_MART = "fct_cost_allocation_monthly"
FOCUS_MART = "focus_cost_and_usage"
REQUIRED_MARTS = (USAGE_MART, QUEUE_MART, ALLOCATION_MART, FOCUS_MART)
REQUIRED_RAW = ("config_rate_cards", "config_cost_pools")


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


def _in_months(expr: str, months: Sequence[dt.date]) -> str:
    return f"cast(date_trunc('month', {expr}) as date) in ({month_list_sql(months)})"


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
    """Compose every check's reduced rows for ``months`` into one ``union all`` query."""
    marts = catalog.schema_of(USAGE_MART, settings.marts_schema)
    if marts is None:
        raise QualityError(
            f"the warehouse has no {USAGE_MART} mart (schema {settings.marts_schema!r}); "
            "run `ccfinops build` first"
        )
    missing = [t for t in REQUIRED_MARTS if not catalog.has(marts, t)]
    missing += [f"{settings.raw_schema}.{t}" for t in REQUIRED_RAW if not catalog.has(settings.raw_schema, t)]
    if missing:
        raise QualityError(
            f"missing tables in the warehouse: {', '.join(missing)}; run `ccfinops build` first"
        )
    if not months:
        raise QualityError("no months to validate: fct_usage_cost is empty and no months were given")
    raw = settings.raw_schema
    parts: list[str] = []
    notes: list[str] = []
    usage = f"{q(marts)}.{q(USAGE_MART)}"
    in_months = _in_months("usage_date", months)

    # attribution: every usage item lacking cost metadata, with its reconciliation queue reason.
    parts.append(
        _pad(
            "usage_gaps",
            {
                "period": _period("g.usage_date"),
                "subject": "g.source_record_id",
                "detail": "g.gap",
                "gap": "g.gap",
                "queue_reason": "rq.queue_reason",
            },
            f"""from (
    select usage_id, source_record_id, usage_date, 'no_cost_center' as gap
    from {usage}
    where {in_months} and (cost_center is null or cost_center = 'UNATTRIBUTED')
    union all
    select usage_id, source_record_id, usage_date, 'missing_rate' as gap
    from {usage}
    where {in_months} and cost is null
) as g
left join (
    select usage_id, string_agg(distinct reason, ',') as queue_reason
    from {q(marts)}.{q(QUEUE_MART)}
    group by usage_id
) as rq on rq.usage_id = g.usage_id""",
        )
    )

    # attribution share per month (of rated cost).
    parts.append(
        _pad(
            "unattributed_share",
            {
                "period": _period("usage_date"),
                "subject": "'all'",
                "detail": "'unattributed ' || cast(coalesce(sum(case when cost_center is null "
                "or cost_center = 'UNATTRIBUTED' then cost end), 0) as varchar) || ' of ' || "
                "cast(coalesce(sum(cost), 0) as varchar)",
                "unattributed_share": "coalesce(sum(case when cost_center is null or cost_center = "
                "'UNATTRIBUTED' then cost end) / nullif(sum(cost), 0), 0)",
                "usage_rows": "count(*)",
            },
            f"from {usage}\nwhere {in_months}\ngroup by 1, 2, 3",
        )
    )

    # rating: every (platform, usage type, carrier, direction, number type) in use has an
    # effective rate-card row on each day it is used.
    parts.append(
        _pad(
            "rate_coverage",
            {
                "period": "u.period",
                "subject": "u.platform || '/' || u.usage_type || '/' || u.carrier || '/' || u.direction "
                "|| '/' || u.number_type",
                "detail": "min(case when not u.has_rate then cast(u.usage_date as varchar) end)",
                "usage_rows": "sum(u.n)",
                "unrated_rows": "sum(case when u.has_rate then 0 else u.n end)",
            },
            f"""from (
    select c.*, exists (
        select 1 from {q(raw)}.config_rate_cards as rc
        where rc.usage_type = c.usage_type
          and rc.carrier in (c.carrier, '*')
          and rc.direction in (c.direction, '*')
          and rc.number_type in (c.number_type, '*')
          and cast(rc.effective_from as date) <= c.usage_date
          and (rc.effective_to is null or c.usage_date < cast(rc.effective_to as date))
    ) as has_rate
    from (
        select {_period("usage_date")} as period, platform, usage_type,
            coalesce(carrier, '*') as carrier, coalesce(direction, '*') as direction,
            coalesce(number_type, '*') as number_type, usage_date, count(*) as n
        from {usage}
        where {in_months}
        group by 1, 2, 3, 4, 5, 6, 7
    ) as c
) as u
group by u.period, u.platform, u.usage_type, u.carrier, u.direction, u.number_type""",
        )
    )

    # durations per day, platform and usage type; detail names a few offending records.
    max_ms = int(settings.thresholds["max_duration_ms"])
    parts.append(
        _pad(
            "durations",
            {
                "period": _period("usage_date"),
                "subject": "cast(usage_date as varchar) || '/' || platform || '/' || usage_type",
                "detail": f"left(string_agg(case when duration_ms < 0 or duration_ms > {max_ms} "
                "then source_record_id end, ','), 200)",
                "usage_rows": "count(*)",
                "min_duration_ms": "min(duration_ms)",
                "max_duration_ms": "max(duration_ms)",
            },
            f"from {usage}\nwhere {in_months} and duration_ms is not null\n"
            "group by usage_date, platform, usage_type",
        )
    )

    # uniqueness: the usage mart (usage_id, and the source record per usage type) and raw keys.
    unique_specs: list[tuple[str, str, str, str, str | None]] = [
        # (label, schema, table, key expression, month filter column)
        (f"{USAGE_MART}.usage_id", marts, USAGE_MART, "usage_id", "usage_date"),
        (
            f"{USAGE_MART}.source_record_id",
            marts,
            USAGE_MART,
            "platform || '/' || usage_type || '/' || source_record_id",
            "usage_date",
        ),
    ]
    for table, key in settings.unique_keys.items():
        if not catalog.has(raw, table):
            notes.append(f"{raw}.{table} not in the warehouse: its uniqueness is not checked")
            continue
        col = catalog.column(raw, table, key)
        if col is None:
            raise QualityError(f"{raw}.{table} has no column {key!r} (config.yaml unique_keys)")
        unique_specs.append((f"{table}.{key}", raw, table, f"cast({q(col)} as varchar)", None))
    for label, schema, table, key_expr, month_col in unique_specs:
        where = f"where {_in_months(month_col, months)}" if month_col else ""
        parts.append(
            _pad(
                "unique_records",
                {
                    "period": "'all'",
                    "subject": "d.record_key",
                    "detail": lit(label),
                    "occurrences": "d.occurrences",
                },
                f"""from (
    select {key_expr} as record_key, count(*) as occurrences
    from {q(schema)}.{q(table)}
    {where}
    group by 1
    having count(*) > 1
) as d""",
            )
        )

    # freshness: newest usage per platform, relative to the checkpoint's as-of time.
    as_of_sql = f"cast({lit(as_of.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M:%S+00'))} as timestamptz)"
    parts.append(
        _pad(
            "freshness",
            {
                "period": "'all'",
                "subject": "platform",
                "detail": "cast(max(usage_start) as varchar)",
                "lag_hours": f"extract(epoch from ({as_of_sql} - max(usage_start))) / 3600.0",
                "usage_rows": "count(*)",
            },
            f"from {usage}\ngroup by platform",
        )
    )

    # allocation conservation per month and pool; the pool amount must match the registry's
    # shared-cost cap least(monthly_amount, cap).
    alloc = f"{q(marts)}.{q(ALLOCATION_MART)}"
    parts.append(
        _pad(
            "allocation",
            {
                "period": _period("a.month"),
                "subject": "a.cost_pool",
                "detail": "'allocated ' || cast(a.allocated as varchar) || ' of ' || "
                "cast(a.pool_amount as varchar)",
                "usage_rows": "a.n_rows",
                "difference_micros": "round((a.allocated - a.pool_amount) * 1000000)",
                "registry_difference_micros": "round((a.pool_amount - coalesce(p.cap_amount, 0)) * 1000000)",
            },
            f"""from (
    select month, cost_pool, sum(allocated_shared_cost) as allocated, max(pool_amount) as pool_amount,
        count(*) as n_rows
    from {alloc}
    where {_in_months("month", months)}
    group by month, cost_pool
) as a
left join (
    select pool_name, cast(period_start as date) as period_start,
        least(monthly_amount, coalesce(cap, monthly_amount)) as cap_amount
    from {q(raw)}.config_cost_pools
) as p on p.pool_name = a.cost_pool
    and p.period_start = cast(date_trunc('month', a.month) as date)""",
        )
    )

    # FOCUS mandatory columns: null count per billing month and column.
    focus = f"{q(marts)}.{q(FOCUS_MART)}"
    period_col = catalog.column(marts, FOCUS_MART, "BillingPeriodStart") or catalog.column(
        marts, FOCUS_MART, "ChargePeriodStart"
    )
    focus_where = f"where {_in_months(q(period_col), months)}" if period_col else ""
    focus_period = _period(q(period_col)) if period_col else "'all'"
    for wanted in settings.focus_mandatory_columns:
        col = catalog.column(marts, FOCUS_MART, wanted)
        if col is None:
            parts.append(
                _pad(
                    "focus_mandatory",
                    {
                        "period": "'all'",
                        "subject": lit(wanted),
                        "detail": lit(f"column missing from {FOCUS_MART}"),
                        "usage_rows": "count(*)",
                        "null_count": "count(*) + 1",
                    },
                    f"from {focus}",
                )
            )
            continue
        parts.append(
            _pad(
                "focus_mandatory",
                {
                    "period": focus_period,
                    "subject": lit(wanted),
                    "detail": "'null in ' || cast(count(*) - count(" + q(col) + ") as varchar) || ' of ' "
                    "|| cast(count(*) as varchar) || ' rows'",
                    "usage_rows": "count(*)",
                    "null_count": f"count(*) - count({q(col)})",
                },
                f"from {focus}\n{focus_where}\ngroup by 1, 2, 3" if period_col else f"from {focus}",
            )
        )

    sql = "\nunion all\n".join(f"({p})" for p in parts)
    return FrameQuery(sql=sql, months=tuple(months), notes=tuple(notes))


def months_sql(catalog: Catalog, settings: QualitySettings) -> str:
    """Distinct months present in the usage mart."""
    marts = catalog.schema_of(USAGE_MART, settings.marts_schema)
    if marts is None:
        raise QualityError(f"the warehouse has no {USAGE_MART} mart; run `ccfinops build` first")
    return (
        f"select distinct cast(date_trunc('month', usage_date) as date) as m "
        f"from {q(marts)}.{q(USAGE_MART)} order by 1"
    )
