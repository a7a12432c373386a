{#-
    Pool money per month x cost pool x cost center x allocation_kind: the sum of the daily
    amortised rows of int_pool_allocations_daily (see there). A complete month carries each
    pool's monthly_amount in full (allocated + unallocated + cap_overflow); the month holding
    as_of_date carries month-to-date (is_month_closed = false). Nothing before accounting_start.
    Pool-level amounts (monthly_amount, cap, accrued) are in fct_cost_pool_monthly, one row per
    month and pool, so every money column here sums to a true total.
-#}

with

daily as (

    select * from {{ ref('int_pool_allocations_daily') }}

),

accruals as (

    select * from {{ ref('int_pool_accruals_daily') }}

),

period as (

    select * from {{ ref('int_accounting_period') }}

),

day_totals as (

    select
        month,
        pool_name,
        date_day,
        max(total_ms) as total_ms
    from daily
    group by 1, 2, 3

),

month_totals as (

    select
        month,
        pool_name,
        sum(total_ms) as total_ms
    from day_totals
    group by 1, 2

),

pool_days as (

    select
        month,
        pool_name,
        count(*) as days_accrued,
        max(days_in_month) as days_in_month
    from accruals
    group by 1, 2

),

monthly as (

    select
        month,
        pool_name,
        cost_center,
        allocation_kind,
        currency,
        sum(queue_ms) as queue_ms,
        sum(allocated_cents) as allocated_cents,
        max(allocation_rule_version) as allocation_rule_version
    from daily
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ surrogate_key([
            'monthly.month', 'monthly.pool_name', 'monthly.cost_center', 'monthly.allocation_kind',
        ]) }}
            as allocation_id,
        cast(monthly.month as date) as month,
        cast(monthly.pool_name as varchar) as cost_pool,
        cast(monthly.cost_center as varchar) as cost_center,
        cast(monthly.allocation_kind as varchar) as allocation_kind,
        cast(monthly.currency as varchar) as currency,
        {{ micros_to_decimal(int_div_round('monthly.queue_ms * 1000', '60')) }} as queue_minutes,
        {{ micros_to_decimal(int_div_round('coalesce(month_totals.total_ms, 0) * 1000', '60')) }}
            as total_minutes,
        case
            when monthly.allocation_kind = 'allocated' and month_totals.total_ms > 0
                then {{ micros_to_decimal(
                    int_div_round('monthly.queue_ms * 1000000', 'month_totals.total_ms')
                ) }}
        end as allocation_share,
        {{ cents_to_decimal('monthly.allocated_cents') }} as allocated_shared_cost,
        cast(pool_days.days_accrued as integer) as days_accrued,
        pool_days.days_accrued = pool_days.days_in_month as is_month_closed,
        cast(monthly.allocation_rule_version as varchar) as allocation_rule_version
    from monthly
    cross join period
    left join month_totals
        on monthly.month = month_totals.month
            and monthly.pool_name = month_totals.pool_name
    left join pool_days
        on monthly.month = pool_days.month
            and monthly.pool_name = pool_days.pool_name

)

select * from final
