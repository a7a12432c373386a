{#-
    PLACEHOLDER (branch forecast): replaced at merge by the money branch's model of the same name.
    Each pool's monthly amount, amortised evenly over the days of its month, allocated to cost
    centers by their share of the month's queue minutes on the pool's platform.
-#}

with

pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

minutes as (

    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month,
        platform,
        cost_center,
        sum(duration_ms) as queue_ms
    from {{ ref('fct_usage_cost') }}
    where usage_type = 'voice'
    group by 1, 2, 3

),

shares as (

    select
        pools.pool_name,
        pools.currency,
        pools.period_start,
        pools.period_end,
        pools.shared_cost_cap,
        {{ days_between("pools.period_start", "pools.period_end") }} as days_in_month,
        minutes.cost_center,
        sum(minutes.queue_ms) * 1.0
        / sum(sum(minutes.queue_ms)) over (partition by pools.pool_name, pools.period_start) as share
    from pools
    inner join minutes
        on pools.period_start = minutes.month
            and (pools.platform = 'all' or pools.platform = minutes.platform)
    group by 1, 2, 3, 4, 5, 6, 7

),

days as (

    {{ date_spine_days('(select min(period_start) from shares)', '(select max(period_end) from shares)') }}

),

final as (

    select
        days.date_day,
        cast(shares.cost_center as varchar) as cost_center,
        cast(shares.pool_name as varchar) as pool_name,
        cast(
            shares.shared_cost_cap * shares.share / shares.days_in_month as decimal(18, 6)
        ) as allocated_cost,
        cast(shares.currency as varchar) as currency,
        cast('amortised_pool' as varchar) as allocation_kind
    from shares
    inner join days
        on shares.period_start <= days.date_day
            and shares.period_end > days.date_day

)

select * from final
