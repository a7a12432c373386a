"""A hand-made warehouse with the mart columns of issue 3, for fast tests of the checks alone.

Config registries come from the repo's CSV files; marts are a handful of rows written here, so each
check's expected findings are known exactly without running dbt.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ingestion.warehouse import REPO_ROOT

FILES = REPO_ROOT / "ingestion" / "registries" / "files"

USAGE_COLUMNS = """
    usage_id varchar, platform varchar, source_record_id varchar, conversation_id varchar,
    usage_type varchar, usage_start timestamptz, usage_date date, queue_id varchar,
    originating_queue_id varchar, user_id varchar, campaign varchar, carrier varchar,
    direction varchar, number_type varchar, duration_ms bigint, billable_quantity decimal(18, 6),
    unit varchar, unit_rate decimal(18, 6), cost decimal(18, 6), currency varchar, cost_center varchar,
    attribution_method varchar, rate_card_version varchar, mapping_version varchar, is_provisional boolean
"""

# (usage_id, platform, source_record_id, usage_type, usage_date, carrier, direction, number_type,
#  duration_ms, cost, cost_center)
USAGE_ROWS = [
    (
        "u1",
        "genesys",
        "sip-1",
        "voice",
        "2026-10-03",
        "genesys_cloud_voice",
        "inbound",
        "local",
        60000,
        "0.004",
        "CC-SALES",
    ),
    (
        "u2",
        "genesys",
        "sip-2",
        "voice",
        "2026-10-04",
        "byoc_bandwidth",
        "outbound",
        "local",
        120000,
        "0.011",
        "CC-SUPPORT",
    ),
    (
        "u3",
        "cxone",
        "9001",
        "voice",
        "2026-10-05",
        "nice_cxone_voice",
        "inbound",
        "toll_free",
        30000,
        "0.009",
        "CC-SALES",
    ),
    (
        "u4",
        "genesys",
        "sip-4",
        "voice",
        "2026-11-02",
        "genesys_cloud_voice",
        "inbound",
        "toll_free",
        600000,
        "0.150",
        "CC-FINANCE",
    ),
    (
        "u5",
        "genesys",
        "conv-5",
        "transcription",
        "2026-11-02",
        None,
        None,
        None,
        600000,
        "0.160",
        "CC-FINANCE",
    ),
]
# Two calls that overflowed to a fallback queue with no parent: unattributed (same column order).
FALLBACK_ROWS = [
    (
        "u10",
        "genesys",
        "sip-fb-1",
        "voice",
        "2026-10-06",
        "genesys_cloud_voice",
        "inbound",
        "local",
        90000,
        "0.006",
        "UNATTRIBUTED",
    ),
    (
        "u11",
        "genesys",
        "sip-fb-2",
        "voice",
        "2026-10-07",
        "genesys_cloud_voice",
        "inbound",
        "local",
        60000,
        "0.004",
        "UNATTRIBUTED",
    ),
]
FOCUS_COLUMNS = [
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "InvoiceIssuerName",
    "ProviderName",
    "PublisherName",
    "ServiceCategory",
    "ServiceName",
]


def build_handmade(db: Path) -> Path:
    """Write registries, the four marts and a reconciliation queue that match each other."""
    con = duckdb.connect(str(db))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("create schema raw")
        con.execute("create schema analytics")
        for table, file in (
            ("config_cost_centers", "cost_centers.csv"),
            ("config_rate_cards", "rate_cards.csv"),
            ("config_cost_pools", "cost_pools.csv"),
        ):
            con.execute(
                f"create table raw.{table} as select * from read_csv('{FILES / file}', all_varchar=true)"
            )
        con.execute("alter table raw.config_cost_pools add column registry_version varchar")
        con.execute("alter table raw.config_cost_pools add column loaded_at timestamptz")
        con.execute("alter table raw.config_cost_pools alter monthly_amount type decimal(18, 6)")
        con.execute("alter table raw.config_cost_pools alter cap type decimal(18, 6)")
        con.execute("update raw.config_rate_cards set effective_to = null where effective_to = ''")
        con.execute("alter table raw.config_cost_centers alter is_active type boolean")
        con.execute(f"create table analytics.fct_usage_cost ({USAGE_COLUMNS})")
        for row in USAGE_ROWS:
            insert_usage(con, *row)
        con.execute(
            """create table analytics.reconciliation_queue (usage_id varchar, source_record_id varchar,
            conversation_id varchar, platform varchar, usage_date date, queue_id varchar,
            originating_queue_id varchar, queue_path varchar, cost decimal(18, 6), reason varchar,
            suggested_cost_center varchar)"""
        )
        con.execute(
            """create table analytics.fct_cost_allocation_monthly (month date, cost_pool varchar,
            cost_center varchar, allocation_kind varchar, queue_minutes decimal(18, 6),
            total_minutes decimal(18, 6), allocation_share decimal(18, 9),
            allocated_shared_cost decimal(18, 6), allocation_rule_version varchar)"""
        )
        con.execute(
            """create table analytics.fct_cost_pool_monthly (month date, cost_pool varchar,
            pool_amount decimal(18, 6), accrued_amount decimal(18, 6))"""
        )
        for month in ("2026-10-01", "2026-11-01"):
            # shared_ivr_routing: 3400 capped at 3000, split 2:1 (400 to its owner); one licence pool.
            rows = [
                "'shared_ivr_routing', 'CC-SALES', 'allocated', 20, 30, 0.666666667, 2000.00, 'p1'",
                "'shared_ivr_routing', 'CC-SUPPORT', 'allocated', 10, 30, 0.333333333, 1000.00, 'p1'",
                "'shared_ivr_routing', 'CC-PLATFORM', 'cap_overflow', null, null, null, 400.00, 'p1'",
                "'genesys_wem_add_on', 'CC-SALES', 'allocated', 30, 30, 1, 4500.00, 'pools-2026.1'",
            ]
            values = ", ".join(f"('{month}', {row})" for row in rows)
            con.execute(f"insert into analytics.fct_cost_allocation_monthly values {values}")
            con.execute(
                f"""insert into analytics.fct_cost_pool_monthly values
                ('{month}', 'shared_ivr_routing', 3000, 3400),
                ('{month}', 'genesys_wem_add_on', 4500, 4500)"""
            )
        cols = ", ".join(
            f'"{c}" '
            + ("decimal(18, 6)" if c.endswith("Cost") else "timestamptz" if "Period" in c else "varchar")
            for c in FOCUS_COLUMNS
        )
        con.execute(f"create table analytics.focus_cost_and_usage ({cols}, x_cost_center varchar)")
        con.execute(
            """insert into analytics.focus_cost_and_usage
            select cost, cost, cost, cost, 'acme', 'USD', date_trunc('month', usage_date),
                date_trunc('month', usage_date) + interval 1 month,
                usage_start, usage_start + interval 1 minute,
                'Usage', 'Acme', 'Genesys', 'Genesys', 'Business Applications', 'Cloud Voice', cost_center
            from analytics.fct_usage_cost"""
        )
    finally:
        con.close()
    build_check_models(db)
    return db


def build_check_models(db: Path) -> None:
    """Build the dbt check models (views in schema ``quality``) over the hand-made marts."""
    from tests.quality.pipeline import dbt_build

    dbt_build(db, "run", "--select", "path:models/quality", "stg_config__cost_pools")


def insert_usage(
    con: duckdb.DuckDBPyConnection,
    usage_id: str,
    platform: str,
    source_record_id: str,
    usage_type: str,
    usage_date: str,
    carrier: str | None,
    direction: str | None,
    number_type: str | None,
    duration_ms: int,
    cost: str | None,
    cost_center: str,
    queue: str | None = "q-1",
) -> None:
    """One ``fct_usage_cost`` row (the other columns derived)."""
    con.execute(
        """insert into analytics.fct_usage_cost values (?, ?, ?, ?, ?, cast(? as date) + interval 9 hour,
        ?, ?, ?, null, null, ?, ?, ?, ?, ?, 'minute', null, ?, 'USD', ?, ?, 'v1', 'm1', false)""",
        [
            usage_id,
            platform,
            source_record_id,
            "c-" + source_record_id,
            usage_type,
            usage_date,
            usage_date,
            queue,
            queue,
            carrier,
            direction,
            number_type,
            duration_ms,
            duration_ms / 60000,
            cost,
            cost_center,
            "unattributed" if cost_center == "UNATTRIBUTED" else "direct",
        ],
    )


def queue_row(con: duckdb.DuckDBPyConnection, usage_id: str, reason: str) -> None:
    """A reconciliation_queue row for an existing usage item."""
    con.execute(
        """insert into analytics.reconciliation_queue
        select usage_id, source_record_id, conversation_id, platform, usage_date, queue_id,
            originating_queue_id, queue_id, cost, ?, null
        from analytics.fct_usage_cost where usage_id = ?""",
        [reason, usage_id],
    )


def insert_fallback_usage(con: duckdb.DuckDBPyConnection, queued: tuple[str, ...]) -> None:
    """The ``FALLBACK_ROWS`` on queue ``q-fallback``; those whose usage_id is in ``queued`` are queued."""
    for row in FALLBACK_ROWS:
        insert_usage(con, *row, queue="q-fallback")
        if row[0] in queued:
            queue_row(con, row[0], "no_cost_center")
