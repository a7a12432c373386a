"""Hand-made mart tables shared by the flows and guardrails tests (columns as the dbt marts build them).

Queue ids are the synthetic org's (simulator/org.yaml).
"""

from __future__ import annotations

SALES_Q = "d41a4916-e89a-57c0-aa86-60d147f9421a"
SUPPORT_Q = "f6f4dc19-f162-5861-b81a-7b73ad52bab4"
FALLBACK_Q = "afb9c573-890e-5ad6-bf01-61927ba30bf9"

FCT_USAGE_COST_DDL = """
create table analytics.fct_usage_cost (
    usage_id varchar primary key, platform varchar, source_record_id varchar, conversation_id varchar,
    usage_type varchar, usage_start timestamptz, usage_date date, queue_id varchar,
    originating_queue_id varchar, user_id varchar, campaign varchar, carrier varchar, direction varchar,
    number_type varchar, duration_ms bigint, billable_quantity decimal(18,6), unit varchar,
    unit_rate decimal(18,6), cost decimal(18,6), currency varchar, cost_center varchar,
    attribution_method varchar, rate_card_version varchar, mapping_version varchar, is_provisional boolean
);
"""
FCT_GUARDRAIL_BASELINES_DDL = """
create table analytics.fct_guardrail_baselines (
    cost_date date, cost_center varchar, daily_cost decimal(18,6), baseline_30d decimal(18,6),
    lower_bound decimal(18,6), upper_bound decimal(18,6), history_days integer, status varchar
);
"""
