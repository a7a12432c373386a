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
    One row per cost center and UTC day, dense: every day from the cost center's first day with
    usage to the newest usage day in the warehouse, zero-filled, so a day without usage is a real
    0 in the guardrail baselines rather than a gap.

    Incremental like fct_usage_cost (window_replace by cost_date, var lookback_days, restated
    from the earliest date a registry / manual-attribution change affects): the window's days are
    recomputed from fct_usage_cost; a cost center's first day and fallback currency also take the
    days built before the window into account, so the result equals a full refresh.
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

daily_usage as (

    select
        usage_date as cost_date,
        cost_center,
        coalesce(sum(cost), 0) as daily_cost,
        coalesce(sum(case when usage_type = 'voice' then cost end), 0) as telephony_cost,
        coalesce(sum(case when usage_type = 'transcription' then cost end), 0) as transcription_cost,
        coalesce(sum(case when usage_type = 'wem_evaluation' then cost end), 0) as wem_evaluation_cost,
        coalesce(sum(
            case when usage_type = 'voice' and unit = 'minute' then billable_quantity end
        ), 0) as voice_minutes,
        count(*) as usage_item_count,
        sum(case when cost is null then 1 else 0 end) as unrated_item_count,
        sum(case when is_provisional then 1 else 0 end) as provisional_item_count,
        count(distinct conversation_id) as interaction_count,
        min(currency) as currency
    from usage_cost
    group by 1, 2

),

{% if is_incremental() %}
-- days built before the window (unchanged): each cost center's first day and the currencies of
-- its days with rated usage (= daily_usage.currency there)
built_before as (

    select
        cost_center,
        min(cost_date) as first_cost_date,
        min(case when usage_item_count > unrated_item_count then currency end) as currency
    from {{ this }}
    where cost_date < {{ window_start }}
    group by 1

),
{% endif %}

cost_center_days as (

    select
        cost_center,
        cost_date as first_cost_date,
        currency
    from daily_usage
    {% if is_incremental() %}
        union all
        select
            cost_center,
            first_cost_date,
            currency
        from built_before
    {% endif %}

),

cost_center_bounds as (

    select
        cost_center,
        min(first_cost_date) as first_cost_date,
        min(currency) as currency
    from cost_center_days
    group by 1

),

calendar as (

    {{ date_spine_days(
        '(select min(first_cost_date) from cost_center_bounds)',
        '(select max(cost_date) from daily_usage)'
    ) }}

),

dense as (

    select
        cost_center_bounds.cost_center,
        cost_center_bounds.currency,
        calendar.date_day as cost_date
    from cost_center_bounds
    inner join calendar
        on cost_center_bounds.first_cost_date <= calendar.date_day
    {% if is_incremental() %}
        where calendar.date_day >= {{ window_start }}
    {% endif %}

),

final as (

    select
        {{ surrogate_key(['dense.cost_center', 'dense.cost_date']) }} as cost_center_day_id,
        dense.cost_date,
        dense.cost_center,
        coalesce(
            daily_usage.currency, dense.currency, '{{ var("default_currency", "USD") }}'
        ) as currency,
        cast(coalesce(daily_usage.daily_cost, 0) as decimal(18, 6)) as daily_cost,
        cast(coalesce(daily_usage.telephony_cost, 0) as decimal(18, 6)) as telephony_cost,
        cast(coalesce(daily_usage.transcription_cost, 0) as decimal(18, 6)) as transcription_cost,
        cast(coalesce(daily_usage.wem_evaluation_cost, 0) as decimal(18, 6)) as wem_evaluation_cost,
        cast(coalesce(daily_usage.voice_minutes, 0) as decimal(18, 6)) as voice_minutes,
        cast(coalesce(daily_usage.usage_item_count, 0) as bigint) as usage_item_count,
        cast(coalesce(daily_usage.unrated_item_count, 0) as bigint) as unrated_item_count,
        cast(coalesce(daily_usage.provisional_item_count, 0) as bigint) as provisional_item_count,
        cast(coalesce(daily_usage.interaction_count, 0) as bigint) as interaction_count
    from dense
    left join daily_usage
        on dense.cost_center = daily_usage.cost_center
            and dense.cost_date = daily_usage.cost_date

)

select * from final
