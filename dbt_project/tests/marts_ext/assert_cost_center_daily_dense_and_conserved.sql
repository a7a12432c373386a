-- fct_cost_center_daily has every day from a cost center's first usage day to the newest usage
-- day (no gaps), and Σ daily_cost = Σ rated fct_usage_cost.cost.
with

daily as (

    select * from {{ ref('fct_cost_center_daily') }}

),

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

newest_usage as (

    select max(usage_date) as newest_date
    from usage_cost

),

spans as (

    select
        cost_center,
        count(*) as n_days,
        min(cost_date) as first_date,
        max(cost_date) as last_date
    from daily
    group by 1

),

span_lengths as (

    select
        *,
        {{ days_between('first_date', 'last_date') }} + 1 as calendar_days
    from spans

),

gaps as (

    select
        span_lengths.cost_center,
        'gap' as problem
    from span_lengths
    cross join newest_usage
    where
        span_lengths.n_days <> span_lengths.calendar_days
        or span_lengths.last_date <> newest_usage.newest_date

),

built_total as (

    select coalesce(sum(daily_cost), 0) as amount
    from daily

),

usage_total as (

    select coalesce(sum(cost), 0) as amount
    from usage_cost

),

totals as (

    select
        cast(null as varchar) as cost_center,
        'total' as problem
    from built_total
    cross join usage_total
    where built_total.amount <> usage_total.amount

)

select * from gaps
union all
select * from totals
