{#-
    Hour-of-day cost profile per cost center and day type (weekday = Monday-Friday, weekend):
    the share of a day's cost incurred in each UTC hour and the cumulative share up to the end of
    that hour, over the var('guardrail_profile_days') days before the newest day in the warehouse.
    A cost center without cost on that day type uses every cost center's profile of the day type;
    with no cost at all, a flat profile. Shares are exact micro-units; the cumulative share of
    hour 23 is exactly 1.
-#}

{%- set profile_days = var('guardrail_profile_days', 56) | int -%}

with

hourly as (

    select * from {{ ref('fct_cost_center_hourly') }}

),

daily as (

    select * from {{ ref('fct_cost_center_daily') }}

),

newest as (

    select max(cost_date) as newest_date from daily

),

in_window as (

    select
        hourly.cost_center,
        hourly.cost_date,
        hourly.hour_of_day,
        hourly.hourly_cost
    from hourly
    cross join newest
    where hourly.cost_date < newest.newest_date
        and hourly.cost_date >= cast({{ dbt.dateadd('day', -profile_days, 'newest.newest_date') }} as date)

),

recent as (

    select
        cost_center,
        hour_of_day,
        hourly_cost,
        {{ guardrail_day_type('cost_date') }} as day_type
    from in_window

),

cost_centers as (

    select distinct cost_center from daily

),

day_types as (

    select 'weekday' as day_type
    union all
    select 'weekend' as day_type

),

hours as (

    select cast(g.h as integer) as hour_of_day
    from {{ integer_series(0, 23) }} as g (h)

),

grid as (

    select
        cost_centers.cost_center,
        day_types.day_type,
        hours.hour_of_day
    from cost_centers
    cross join day_types
    cross join hours

),

own_hours as (

    select
        cost_center,
        day_type,
        hour_of_day,
        sum(hourly_cost) as hour_cost
    from recent
    group by 1, 2, 3

),

all_hours as (

    select
        day_type,
        hour_of_day,
        sum(hourly_cost) as hour_cost
    from recent
    group by 1, 2

),

own_totals as (

    select
        cost_center,
        day_type,
        sum(hourly_cost) as total_cost
    from recent
    group by 1, 2

),

all_totals as (

    select
        day_type,
        sum(hourly_cost) as total_cost
    from recent
    group by 1

),

sourced as (

    select
        grid.cost_center,
        grid.day_type,
        grid.hour_of_day,
        case
            when coalesce(own_totals.total_cost, 0) > 0 then 'cost_center'
            when coalesce(all_totals.total_cost, 0) > 0 then 'all_cost_centers'
            else 'flat'
        end as profile_source,
        case
            when coalesce(own_totals.total_cost, 0) > 0
                then {{ to_micros('coalesce(own_hours.hour_cost, 0)') }}
            when coalesce(all_totals.total_cost, 0) > 0
                then {{ to_micros('coalesce(all_hours.hour_cost, 0)') }}
            else 1
        end as hour_micros
    from grid
    left join own_hours
        on grid.cost_center = own_hours.cost_center
            and grid.day_type = own_hours.day_type
            and grid.hour_of_day = own_hours.hour_of_day
    left join all_hours
        on grid.day_type = all_hours.day_type
            and grid.hour_of_day = all_hours.hour_of_day
    left join own_totals
        on grid.cost_center = own_totals.cost_center
            and grid.day_type = own_totals.day_type
    left join all_totals
        on grid.day_type = all_totals.day_type

),

cumulated as (

    select
        *,
        sum(hour_micros) over (
            partition by cost_center, day_type
            order by hour_of_day
            rows between unbounded preceding and current row
        ) as cumulative_micros,
        sum(hour_micros) over (partition by cost_center, day_type) as total_micros
    from sourced

),

final as (

    select
        {{ surrogate_key(['cost_center', 'day_type', 'hour_of_day']) }} as profile_id,
        cost_center,
        day_type,
        hour_of_day,
        {{ micros_to_decimal(int_div_round('hour_micros * 1000000', 'total_micros')) }} as hour_share,
        {{ micros_to_decimal(int_div_round('cumulative_micros * 1000000', 'total_micros')) }}
            as cumulative_share,
        profile_source
    from cumulated

)

select * from final
