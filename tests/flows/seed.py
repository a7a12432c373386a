"""A small hand-made warehouse with the mart tables the flows read (numbers chosen to check by hand).

Report week: ISO 2026-W47 (Mon 2026-11-16 .. Sun 2026-11-22). WFM target week: 2026-11-23, whose
28-day history is 2026-10-26 .. 2026-11-22.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from tests.handmade_marts import (
    FALLBACK_Q,
    FCT_GUARDRAIL_BASELINES_DDL,
    FCT_USAGE_COST_DDL,
    SALES_Q,
    SUPPORT_Q,
)

BILLING_Q = "65015bd5-eedc-5f73-a422-30f5d5b15933"
REPORT_WEEK = date(2026, 11, 16)
WFM_WEEK = date(2026, 11, 23)
HISTORY_START = date(2026, 10, 26)

FLOW_TABLES_DDL = """
create table analytics.fct_cost_per_resolved_weekly (
    week_start date, queue_id varchar, cost_center varchar, telephony_cost decimal(18,6),
    licensing_allocation decimal(18,6), transcription_cost decimal(18,6), resolved_count bigint,
    cost_per_resolved decimal(18,6), null_reason varchar, avg_wem_score decimal(9,2),
    evaluation_count bigint, total_cost decimal(18,6), currency varchar default 'USD',
    cost_per_resolved_id varchar, avg_handle_seconds decimal(18,1), unmapped_code_count bigint default 0
);
create table analytics.fct_cost_allocation_monthly (
    month date, cost_pool varchar, cost_center varchar, allocation_kind varchar,
    queue_minutes decimal(18,3),
    total_minutes decimal(18,3), allocation_share decimal(18,10), allocated_shared_cost decimal(18,2),
    days_accrued integer, allocation_rule_version varchar, currency varchar default 'USD'
);
create table analytics.fct_cost_pool_monthly (
    month date, cost_pool varchar, pool_amount decimal(18,6), accrued_amount decimal(18,6)
);
insert into analytics.fct_cost_pool_monthly values
    ('2026-11-01', 'genesys_cx3_licences', 23250, 23250),
    ('2026-11-01', 'shared_ivr_routing', 3000, 3000),
    ('2026-10-01', 'shared_ivr_routing', 3000, 3000);
create table analytics.fct_cost_center_daily (cost_date date, cost_center varchar, daily_cost decimal(18,6));
create table analytics.reconciliation_queue (
    usage_id varchar, source_record_id varchar, cost decimal(18,6), reason varchar
);
create table raw.config_cost_center_mappings (
    platform varchar, key_type varchar, key varchar, key_name varchar, cost_center varchar,
    effective_from date, weight decimal(18,6), parent_queue_id varchar, effective_to date,
    mapping_version varchar, registry_version varchar, loaded_at timestamptz
);
create table raw.genesys_queue_intervals (
    queue_id varchar, interval_start timestamptz, interval_end timestamptz, media_type varchar,
    n_offered bigint, n_answered bigint, t_handle_count bigint, t_handle_sum_ms bigint,
    t_talk_sum_ms bigint, t_acw_sum_ms bigint, is_provisional boolean
);
"""
WFM_INPUTS_DDL = """
create table intermediate.int_wfm_actuals_weekly (
    platform varchar, queue_id varchar, week_start date, actual_offered bigint, handled_count bigint,
    handle_ms bigint
);
create table intermediate.int_wfm_forecast_weekly (
    platform varchar, queue_id varchar, week_start date, forecast_interval_count bigint,
    forecast_offered double, forecast_aht_seconds double
);
create table intermediate.int_wfm_occupancy_weekly (
    platform varchar, queue_id varchar, week_start date, agent_count bigint, interacting_ms bigint,
    idle_ms bigint, staffed_ms bigint
);
create table staging.stg_wfm__source_status (
    platform varchar, resource varchar, status varchar, reason varchar, checked_at timestamptz
);
create table staging.stg_genesys__wfm_forecast_intervals (
    forecast_id varchar, business_unit_id varchar, planning_group_id varchar, week_date date,
    interval_start timestamptz, interval_end timestamptz, forecast_offered double, forecast_aht_seconds double
);
create table staging.stg_genesys__wfm_planning_groups (
    planning_group_id varchar, queue_id varchar, business_unit_id varchar, planning_group_name varchar
);
create table analytics.fct_vendor_voice_reconciliation_monthly (
    vendor_month_id varchar, month date, currency varchar, matched_calls bigint,
    warehouse_only_calls bigint, vendor_only_calls bigint, warehouse_cost decimal(18,6),
    vendor_cost decimal(18,6), variance decimal(18,6), variance_pct decimal(18,6),
    matched_variance decimal(18,6), warehouse_only_cost decimal(18,6), vendor_only_cost decimal(18,6)
);
"""
DDL = (
    "create schema if not exists analytics;\ncreate schema if not exists raw;\n"
    "create schema if not exists staging;\ncreate schema if not exists intermediate;\n"
    + FCT_USAGE_COST_DDL
    + FCT_GUARDRAIL_BASELINES_DDL
    + FLOW_TABLES_DDL
    + WFM_INPUTS_DDL
)


def _usage_rows() -> list[tuple]:
    rows = []
    day = HISTORY_START
    while day < WFM_WEEK:
        for hour, cost, q, cc in ((9, "2.00", SALES_Q, "CC-SALES"), (23, "0.80", SALES_Q, "CC-SALES")):
            rows.append((f"u-{day}-{hour}", q, cc, datetime(day.year, day.month, day.day, hour, 15), cost))
        if day >= REPORT_WEEK:
            rows.append(
                (
                    f"u-{day}-fb",
                    FALLBACK_Q,
                    "UNATTRIBUTED",
                    datetime(day.year, day.month, day.day, 12, 0),
                    "0.50",
                )
            )
        day += timedelta(days=1)
    return rows


def _baseline_rows() -> list[tuple]:
    """60 steady days (CC-SALES 1000.00, CC-SUPPORT 900.00), then two breaches.

    2026-11-18: CC-SALES 1200.00 (baseline 1000.00, upper 1150.00: +50.00 over).
    2026-11-25: CC-SUPPORT 2000.00 (same-weekday baseline 900.00, upper 1035.00).
    """
    rows: list[tuple] = []
    day = date(2026, 9, 26)
    while day <= date(2026, 11, 25):
        sales, support = "1000.00", "900.00"
        sales_status = support_status = "within"
        if day == date(2026, 11, 18):
            sales, sales_status = "1200.00", "breach"
        if day == date(2026, 11, 25):
            support, support_status = "2000.00", "breach"
        rows.append((day, "CC-SALES", sales, "1000.00", "850.00", "1150.00", 30, sales_status))
        rows.append((day, "CC-SUPPORT", support, "900.00", "765.00", "1035.00", 30, support_status))
        day += timedelta(days=1)
    return rows


def seed_warehouse(db_path: Path) -> Path:
    """Create the marts with the documented numbers; return ``db_path``."""
    import duckdb

    con = duckdb.connect(str(db_path))
    try:
        con.execute("set timezone = 'UTC'")
        con.execute(DDL)
        for usage_id, queue, cc, start, cost in _usage_rows():
            con.execute(
                "insert into analytics.fct_usage_cost (usage_id, platform, usage_type, usage_start,"
                " usage_date, queue_id, cost, currency, cost_center, attribution_method) values"
                " (?, 'genesys', 'voice', ?, ?, ?, ?, 'USD', ?, ?)",
                [
                    usage_id,
                    start.isoformat() + "+00:00",
                    start.date(),
                    queue,
                    cost,
                    cc,
                    "unattributed" if cc == "UNATTRIBUTED" else "direct",
                ],
            )
        con.executemany(
            "insert into analytics.fct_cost_per_resolved_weekly (week_start, queue_id, cost_center,"
            " telephony_cost, licensing_allocation, transcription_cost, resolved_count, avg_wem_score,"
            " evaluation_count) values (?,?,?,?,?,?,?,?,?)",
            [
                (date(2026, 11, 9), SALES_Q, "CC-SALES", "100.00", "50.00", "10.00", 40, "80.00", 10),
                (REPORT_WEEK, SALES_Q, "CC-SALES", "120.50", "50.25", "12.34", 37, "86.00", 5),
                (date(2026, 11, 9), SUPPORT_Q, "CC-SUPPORT", "150.00", "75.00", "5.00", 50, None, 0),
                (REPORT_WEEK, SUPPORT_Q, "CC-SUPPORT", "200.00", "80.00", "0.00", 0, None, 0),
                (REPORT_WEEK, BILLING_Q, "CC-FINANCE", "33.33", "11.11", "0.01", 3, None, 0),
            ],
        )
        con.execute(
            "update analytics.fct_cost_per_resolved_weekly"
            " set total_cost = telephony_cost + licensing_allocation + transcription_cost,"
            " cost_per_resolved_id = md5(week_start || queue_id || cost_center)"
        )
        _seed_wfm_and_vendor(con)
        con.executemany(
            "insert into analytics.fct_cost_allocation_monthly values (?,?,?,?,?,?,?,?,?,?,'USD')",
            [
                (
                    date(2026, 11, 1),
                    "genesys_cx3_licences",
                    "CC-SALES",
                    "allocated",
                    600,
                    1000,
                    "0.6",
                    "13950.00",
                    30,
                    "pools-2026.1",
                ),
                (
                    date(2026, 11, 1),
                    "genesys_cx3_licences",
                    "CC-SUPPORT",
                    "allocated",
                    400,
                    1000,
                    "0.4",
                    "9300.00",
                    30,
                    "pools-2026.1",
                ),
                (
                    date(2026, 11, 1),
                    "shared_ivr_routing",
                    "CC-SALES",
                    "allocated",
                    1,
                    3,
                    "0.3333333333",
                    "1000.00",
                    30,
                    "pools-2026.1",
                ),
                (
                    date(2026, 11, 1),
                    "shared_ivr_routing",
                    "CC-SUPPORT",
                    "allocated",
                    2,
                    3,
                    "0.6666666667",
                    "2000.00",
                    30,
                    "pools-2026.1",
                ),
                (
                    date(2026, 10, 1),
                    "shared_ivr_routing",
                    "CC-SALES",
                    "allocated",
                    1,
                    1,
                    "1",
                    "3000.00",
                    30,
                    "pools-2026.1",
                ),
            ],
        )
        con.executemany(
            "insert into analytics.fct_guardrail_baselines values (?,?,?,?,?,?,?,?)",
            _baseline_rows(),
        )
        con.executemany(
            "insert into analytics.reconciliation_queue values (?,?,?,?)",
            [(f"u-{d}-fb", f"src-{d}", "0.50", "no_cost_center") for d in range(7)],
        )
        con.executemany(
            "insert into raw.config_cost_center_mappings (platform, key_type, key, key_name, cost_center,"
            " effective_from) values ('genesys','queue',?,?,?,'2026-01-01')",
            [
                (SALES_Q, "Sales", "CC-SALES"),
                (SUPPORT_Q, "Support Tier 1", "CC-SUPPORT"),
                (BILLING_Q, "Billing", "CC-FINANCE"),
            ],
        )
        # Handle time: 4 history weeks at 300 s AHT, report week at 330 s (10 % over forecast).
        for week in range(5):
            monday = REPORT_WEEK - timedelta(days=7 * (4 - week))
            aht_ms = 330_000 if week == 4 else 300_000
            start = datetime(monday.year, monday.month, monday.day, 10, 0)
            con.execute(
                "insert into raw.genesys_queue_intervals"
                " values (?, ?, ?, 'voice', 12, 10, 10, ?, 0, 0, false)",
                [
                    SALES_Q,
                    start.isoformat() + "+00:00",
                    (start + timedelta(minutes=30)).isoformat() + "+00:00",
                    10 * aht_ms,
                ],
            )
    finally:
        con.close()
    return db_path


def _seed_wfm_and_vendor(con) -> None:
    """WFM inputs of the report week and the vendor reconciliation months.

    Sales (Genesys): forecast 40 offered at 300 s, actual 50 offered (+25.0 %), 40 handled in 13 200 s
    (330.0 s, +10.0 %); members 10 h interacting, 4 h idle (occupancy 0.7143), 15 h staffed.
    Support (Genesys): 20 offered, 10 handled in 2 400 s (240.0 s); the forecast endpoints answered
    403 and no routing-status time is known. Billing (CXone): 3 offered and handled in 600 s
    (200.0 s), 1 h interacting, 1 h idle (0.5000), 2 h staffed; CXone exposes no forecast.
    Vendor: November 120 matched calls, 2 warehouse-only, 1 vendor-only, 61.60 vs 61.245.
    """
    wk = REPORT_WEEK
    con.executemany(
        "insert into intermediate.int_wfm_actuals_weekly values (?,?,?,?,?,?)",
        [
            ("genesys", SALES_Q, wk, 50, 40, 13_200_000),
            ("genesys", SUPPORT_Q, wk, 20, 10, 2_400_000),
            ("cxone", BILLING_Q, wk, 3, 3, 600_000),
        ],
    )
    con.execute(
        "insert into intermediate.int_wfm_forecast_weekly values ('genesys', ?, ?, 672, 40, 300)",
        [SALES_Q, wk],
    )
    con.executemany(
        "insert into intermediate.int_wfm_occupancy_weekly values (?,?,?,?,?,?,?)",
        [
            ("genesys", SALES_Q, wk, 3, 36_000_000, 14_400_000, 54_000_000),
            ("cxone", BILLING_Q, wk, 1, 3_600_000, 3_600_000, 7_200_000),
        ],
    )
    con.execute(
        "insert into staging.stg_wfm__source_status values ('genesys', 'forecast', 'unavailable',"
        " 'HTTP 403: missing wfm:shortTermForecast:view', '2026-11-23 06:00:00+00')"
    )
    con.executemany(
        "insert into analytics.fct_vendor_voice_reconciliation_monthly values"
        " (?,?,'USD',?,?,?,?,?,?,?,?,?,?)",
        [
            (
                "vm-2026-11",
                date(2026, 11, 1),
                120,
                2,
                1,
                "61.600000",
                "61.245000",
                "0.355000",
                "0.579639",
                "0.000000",
                "1.200000",
                "0.845000",
            ),
            (
                "vm-2026-10",
                date(2026, 10, 1),
                90,
                0,
                0,
                "50.000000",
                "50.000000",
                "0.000000",
                "0.000000",
                "0.000000",
                "0.000000",
                "0.000000",
            ),
        ],
    )


#: the dbt nodes built on top of the hand-made marts: the reporting, WFM and close marts and the
#: staging / intermediate models they read (plus their data tests)
MART_SELECT = [
    "--select",
    "wfm_shifts",
    "stg_genesys__wfm_forecast_intervals",
    "stg_genesys__wfm_planning_groups",
    "stg_config__cost_center_mappings",
    "stg_genesys__queue_intervals",
    "stg_guardrails__webhook_events",
    "stg_guardrails__actions",
    "stg_guardrails__labels",
    "fct_guardrail_trigger_days",
    "fct_guardrail_triggers_weekly",
    "path:models/intermediate/reporting",
    "path:models/reporting",
    "path:models/marts/wfm",
    "path:models/marts/close",
    "--indirect-selection",
    "cautious",
]


def build_marts(db_path: Path, *extra: str) -> None:
    """``dbt build`` of the reporting / WFM / close marts over the hand-made marts of ``db_path``."""
    from tests.quality.pipeline import dbt_build

    dbt_build(db_path, "build", *MART_SELECT, *extra)
