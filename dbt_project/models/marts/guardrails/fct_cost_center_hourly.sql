{{
    config(
        materialized='incremental',
        incremental_strategy='window_replace',
        window_column='cost_date',
        restate_on_registry_change=true,
        restate_dates_from='fct_usage_cost',
        restate_dates_column='usage_date',
        on_schema_change='fail',
        pre_hook="{{ clear_incremental_window() }}",
        post_hook=[
            "drop table if exists {{ applied_registry_relation(this) }}",
            "create table {{ applied_registry_relation(this) }} as select * from {{ ref('int_registry_fingerprint') }}",
        ],
    )
}}

{#-
    Rated usage cost per cost center, UTC day and UTC hour of the usage start (hours without usage
    have no row). Feeds the hour-of-day profiles of the guardrails and the backtest's hour-by-hour
    replay.

    Incremental like fct_cost_center_daily (window_replace by cost_date, var lookback_days,
    restated from the earliest date a registry / manual-attribution change affects): a day's rows
    depend on that day's usage only, so the window's days are recomputed from fct_usage_cost.
-#}

-- depends_on: {{ ref('int_registry_fingerprint') }}

{%- if is_incremental() %}
    {%- set window_start = incremental_window_start(this) %}
{%- endif %}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}
    {% if is_incremental() %}
        where usage_date >= {{ window_start }}
    {% endif %}

),

hourly as (

    select
        cost_center,
        usage_date as cost_date,
        cast(extract(hour from (usage_start at time zone 'UTC')) as integer) as hour_of_day,
        coalesce(sum(cost), 0) as hourly_cost,
        count(*) as usage_item_count
    from usage_cost
    where usage_start is not null
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['cost_center', 'cost_date', 'hour_of_day']) }} as cost_center_hour_id,
        cost_center,
        cost_date,
        hour_of_day,
        cast(hourly_cost as decimal(18, 6)) as hourly_cost,
        cast(usage_item_count as bigint) as usage_item_count
    from hourly

)

select * from final
