-- A usage item that found a rate (unit_rate / rate_card_version set) must have a cost and a
-- quantity. A null there is a silent failure: on Spark ANSI mode is off (dbt-spark), so a bad cast
-- or an overflow yields null instead of an error. Items without a rate have a null cost on
-- purpose and are listed in reconciliation_queue. Returns the offending items. On an incremental
-- `dbt build` only the window fct_usage_cost rebuilt is checked (macros/test_window.sql).
{%- set window_start = tested_window_start(ref('fct_usage_cost')) %}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}
    {% if window_start %}
        where usage_date >= {{ window_start }}
    {% endif %}

)

select
    usage_id,
    usage_type,
    unit_rate,
    rate_card_version,
    billable_quantity,
    cost
from usage_cost
where
    (cost is null and (unit_rate is not null or rate_card_version is not null))
    or (billable_quantity is null and duration_ms is not null)
    or (cost is not null and currency is null)
