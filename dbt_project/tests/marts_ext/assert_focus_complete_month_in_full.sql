-- FOCUS per complete month: Σ BilledCost = Σ rated usage cost of the month + every pool of the
-- month in full (monthly_amount, the amount above a cap included). Returns offending months.
with

focus as (

    select * from {{ ref('focus_cost_and_usage') }}

),

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

accruals as (

    select * from {{ ref('int_pool_accruals_daily') }}

),

pool_months as (

    select
        month,
        pool_name,
        max(monthly_amount) as monthly_amount,
        count(*) = max(days_in_month) as is_month_closed
    from accruals
    group by 1, 2

),

-- noqa: disable=RF06
focus_months as (

    select
        cast({{ dbt.date_trunc('month', 'cast("BillingPeriodStart" as timestamp)') }} as date) as month,
        sum("BilledCost") as billed
    from focus
    group by 1

),
-- noqa: enable=RF06

usage_months as (

    select
        {{ month_start('usage_date') }} as month,
        sum(cost) as usage_cost
    from usage_cost
    where cost is not null
    group by 1

),

closed_pools as (

    select
        month,
        sum(monthly_amount) as pools_in_full
    from pool_months
    where is_month_closed
    group by 1
    having count(*) = (
            select count(*) from pool_months as every_pool
            where every_pool.month = pool_months.month
        )

)

select
    closed_pools.month,
    focus_months.billed,
    usage_months.usage_cost,
    closed_pools.pools_in_full
from closed_pools
left join focus_months
    on closed_pools.month = focus_months.month
left join usage_months
    on closed_pools.month = usage_months.month
where coalesce(focus_months.billed, 0)
    <> coalesce(usage_months.usage_cost, 0) + closed_pools.pools_in_full
