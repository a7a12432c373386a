{#-
    Chargeback lines per month and cost center: direct usage per usage type (rated cost, newest
    rate-card version) and each licence / shared pool's money by allocation kind (allocated share,
    cap overflow to the pool's owner, unallocated), with its rule version. Pool amounts are at
    their own grain in fct_cost_pool_monthly (no money column repeats here).
    Closing a month (`dbt build --vars '{close_month: YYYY-MM-01}'`, the monthly_close flow) freezes
    its lines: is_closed, close_id and closed_at are set, and later builds keep them untouched
    (incremental, never fully refreshed) until the month is closed again. Open months are
    recomputed on every build.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='month',
    full_refresh=false,
    on_schema_change='fail',
) }}
{%- set close_month = var('close_month', none) %}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

usage_lines as (

    select
        {{ month_start('usage_date') }} as month,
        cost_center,
        'usage' as line_type,
        usage_type as item,
        cast(null as varchar) as allocation_kind,
        sum(cost) as amount,
        max(rate_card_version) as rule_version
    from usage_cost
    where cost is not null
    group by 1, 2, 3, 4, 5

),

shared_lines as (

    select
        month,
        cost_center,
        'shared' as line_type,
        cost_pool as item,
        allocation_kind,
        sum(allocated_shared_cost) as amount,
        max(allocation_rule_version) as rule_version
    from allocation
    group by 1, 2, 3, 4, 5

),

lines as (

    select * from usage_lines
    union all
    select * from shared_lines

),

{% if is_incremental() -%}
frozen_months as (

    select distinct month from {{ this }}
    where is_closed
    {%- if close_month %} and month <> cast('{{ close_month }}' as date){% endif %}

),
{%- endif %}

selected as (

    select lines.*
    from lines
    {% if is_incremental() -%}
    where lines.month not in (select frozen_months.month from frozen_months)
    {%- endif %}

),

final as (

    select
        {{ surrogate_key(['month', 'cost_center', 'line_type', 'item', 'allocation_kind']) }}
            as chargeback_line_id,
        cast(month as date) as month,
        cast(cost_center as varchar) as cost_center,
        cast(line_type as varchar) as line_type,
        cast(item as varchar) as item,
        cast(allocation_kind as varchar) as allocation_kind,
        cast(amount as decimal(18, 6)) as amount,
        cast(rule_version as varchar) as rule_version,
        {% if close_month -%}
            month = cast('{{ close_month }}' as date) as is_closed,
            case
                when month = cast('{{ close_month }}' as date)
                    then 'close-' || {{ dbt.replace("left(cast(month as varchar), 7)", "'-'", "''") }}
                        || '-' || '{{ invocation_id[:8] }}'
            end as close_id,
            case
                when month = cast('{{ close_month }}' as date)
                    then cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}+00' as timestamp with time zone)
            end as closed_at
        {%- else -%}
            false as is_closed,
            cast(null as varchar) as close_id,
            cast(null as timestamp with time zone) as closed_at
        {%- endif %}
    from selected

)

select * from final
