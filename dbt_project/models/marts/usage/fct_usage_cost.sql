{{
    config(
        materialized='incremental',
        incremental_strategy='window_replace',
        window_column='usage_date',
        restate_on_registry_change=true,
        on_schema_change='fail',
        pre_hook="{{ clear_incremental_window() }}",
        post_hook=[
            "drop table if exists {{ applied_registry_relation(this) }}",
            "create table {{ applied_registry_relation(this) }} as select * from {{ ref('int_registry_fingerprint') }}",
        ],
    )
}}

-- depends_on: {{ ref('int_registry_fingerprint') }}

{%- if is_incremental() %}
    {%- set window_start = incremental_window_start(this) %}
{%- endif %}

with

period as (

    select * from {{ ref('int_accounting_period') }}

),

rated as (

    select * from {{ ref('int_usage_items_rated') }}
    -- coverage: nothing before accounting_start is charged
    where (select period.accounting_start from period) <= usage_date
    {% if is_incremental() %}
        -- usage_start (a raw timestamp) lets the scans skip old row groups; usage_date decides
        and usage_start >= {{ utc_day_start(window_start) }}
        and usage_date >= {{ window_start }}
    {% endif %}

),

final as (

    select

        ----------  ids
        cast(usage_id as varchar) as usage_id,
        cast(platform as varchar) as platform,
        cast(source_record_id as varchar) as source_record_id,
        cast(conversation_id as varchar) as conversation_id,

        ----------  what and when
        cast(usage_type as varchar) as usage_type,
        usage_start,
        cast(usage_date as date) as usage_date,

        ----------  routing context
        cast(queue_id as varchar) as queue_id,
        cast(originating_queue_id as varchar) as originating_queue_id,
        cast(user_id as varchar) as user_id,
        cast(campaign as varchar) as campaign,

        ----------  rating inputs
        cast(carrier as varchar) as carrier,
        cast(direction as varchar) as direction,
        cast(number_type as varchar) as number_type,
        cast(duration_ms as bigint) as duration_ms,
        cast(billable_quantity as decimal(18, 6)) as billable_quantity,
        cast(unit as varchar) as unit,
        cast(unit_rate as decimal(18, 6)) as unit_rate,

        ----------  money
        cast(cost as decimal(18, 6)) as cost,
        cast(currency as varchar) as currency,

        ----------  attribution
        cast(cost_center as varchar) as cost_center,
        cast(attribution_method as varchar) as attribution_method,

        ----------  versions
        cast(rate_card_version as varchar) as rate_card_version,
        cast(mapping_version as varchar) as mapping_version,
        cast(is_provisional as boolean) as is_provisional

    from rated

)

select * from final
