{{ config(materialized='view', schema='intermediate') }}

{#-
    Kept beside the forecast marts (it reads the mart fct_cost_center_daily), built as an
    intermediate view. The daily series the month-end forecast is made from: per cost center and
    UTC day, the rated usage cost (fct_cost_center_daily) and the committed pool cost amortised into days
    (int_pool_allocations_daily), dense from the cost center's first day to the end of the month of
    the newest usage day. Days after the newest usage day are not actual: usage_cost is null there
    (to forecast) and committed_cost is known (the pool's day, else the last actual day's amount).
    One more series, cost center var('forecast_total_cost_center'), is the sum of all of them.
-#}

with

usage_daily as (

    select
        cost_date,
        cost_center,
        currency,
        daily_cost
    from {{ ref('fct_cost_center_daily') }}

),

pool_daily as (

    select
        date_day as cost_date,
        cost_center,
        min(currency) as currency,
        sum(allocated_cost) as committed_cost
    from {{ ref('int_pool_allocations_daily') }}
    group by 1, 2

),

bounds as (

    select
        min(cost_date) as first_day,
        max(cost_date) as last_actual_day,
        cast({{ dbt.last_day('max(cost_date)', 'month') }} as date) as last_day
    from usage_daily

),

calendar as (

    {{ date_spine_days('(select first_day from bounds)', '(select last_day from bounds)') }}

),

centers as (

    select
        cost_center,
        min(cost_date) as first_day,
        min(currency) as currency
    from (
        select
            cost_center,
            cost_date,
            currency
        from usage_daily
        union all
        select
            cost_center,
            cost_date,
            currency
        from pool_daily
        where cost_date <= (select bounds.last_actual_day from bounds)
    ) as days
    group by 1

),

dense as (

    select
        centers.cost_center,
        centers.currency,
        calendar.date_day as cost_date,
        calendar.date_day <= (select bounds.last_actual_day from bounds) as is_actual
    from centers
    inner join calendar
        on centers.first_day <= calendar.date_day

),

last_committed as (

    select
        pool_daily.cost_center,
        pool_daily.committed_cost
    from pool_daily
    where pool_daily.cost_date = (select bounds.last_actual_day from bounds)

),

per_center as (

    select
        dense.cost_center,
        dense.cost_date,
        coalesce(usage_daily.currency, dense.currency, '{{ var("default_currency", "USD") }}') as currency,
        dense.is_actual,
        case
            when dense.is_actual then coalesce(usage_daily.daily_cost, 0)
        end as usage_cost,
        coalesce(
            pool_daily.committed_cost,
            case when not dense.is_actual then last_committed.committed_cost end,
            0
        ) as committed_cost
    from dense
    left join usage_daily
        on dense.cost_center = usage_daily.cost_center
            and dense.cost_date = usage_daily.cost_date
    left join pool_daily
        on dense.cost_center = pool_daily.cost_center
            and dense.cost_date = pool_daily.cost_date
    left join last_committed
        on dense.cost_center = last_committed.cost_center

),

total as (

    select
        '{{ var("forecast_total_cost_center", "ALL") }}' as cost_center,
        cost_date,
        min(currency) as currency,
        bool_and(is_actual) as is_actual,
        sum(usage_cost) as usage_cost,
        sum(committed_cost) as committed_cost
    from per_center
    group by 2

),

unioned as (

    select * from per_center
    union all
    select * from total

),

final as (

    select
        {{ surrogate_key(['cost_center', 'cost_date']) }} as series_day_id,
        cast(cost_center as varchar) as cost_center,
        cast(cost_date as date) as cost_date,
        cast(currency as varchar) as currency,
        is_actual,
        cast(usage_cost as decimal(18, 6)) as usage_cost,
        cast(committed_cost as decimal(18, 6)) as committed_cost,
        cast(usage_cost + committed_cost as decimal(18, 6)) as total_cost
    from unioned

)

select * from final
