{#-
    Rated usage cost per cost center, UTC day and UTC hour of the usage start (hours without usage
    have no row). Feeds the hour-of-day profiles of the guardrails and the backtest's hour-by-hour
    replay.
-#}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

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
