-- fct_cost_center_daily has every day from a cost center's first usage day to the newest usage
-- day (no gaps), and Σ daily_cost = Σ rated fct_usage_cost.cost.
with

daily as (

    select * from {{ ref('fct_cost_center_daily') }}

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

gaps as (

    select
        'gap' as problem,
        cost_center
    from spans
    where n_days <> {{ dbt.datediff('first_date', 'last_date', 'day') }} + 1
        or last_date <> (select max(usage_date) from {{ ref('fct_usage_cost') }})

),

totals as (

    select
        'total' as problem,
        cast(null as varchar) as cost_center
    from (select coalesce(sum(daily_cost), 0) as cost from daily) as built
    cross join (
        select coalesce(sum(cost), 0) as cost from {{ ref('fct_usage_cost') }}
    ) as source
    where built.cost <> source.cost

)

select * from gaps
union all
select * from totals
