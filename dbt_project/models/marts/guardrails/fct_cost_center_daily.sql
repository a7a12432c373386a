{#-
    One row per cost center and UTC day, dense: every day from the cost center's first day with
    usage to the newest usage day in the warehouse, zero-filled, so a day without usage is a real
    0 in the guardrail baselines rather than a gap.
-#}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

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

cost_center_bounds as (

    select
        cost_center,
        min(cost_date) as first_cost_date,
        min(currency) as currency
    from daily_usage
    group by 1

),

calendar as (

    {{ date_spine_days(
        '(select min(cost_date) from daily_usage)',
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
