{#-
    Per month and pool: the pool amount shared by allocation (fct_cost_pool_monthly.pool_amount)
    against the registry's shared-cost cap (stg_config__cost_pools.shared_cost_cap, i.e.
    least(monthly_amount, cap)), in micro-units; allocated = every kind of pool money charged so far.
    Σ allocated = pool amount is a dbt test (tests/singular/assert_allocation_conserves_each_pool).
-#}
with

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

pool_months as (

    select * from {{ ref('fct_cost_pool_monthly') }}

),

allocation_rows as (

    select
        month,
        cost_pool,
        sum(allocated_shared_cost) as allocated,
        count(*) as allocation_rows
    from allocation
    group by 1, 2

),

allocated as (

    select
        pool_months.month,
        pool_months.cost_pool,
        pool_months.pool_amount,
        allocation_rows.allocated,
        coalesce(allocation_rows.allocation_rows, 0) as allocation_rows
    from pool_months
    left join allocation_rows
        on pool_months.month = allocation_rows.month and pool_months.cost_pool = allocation_rows.cost_pool

),

final as (

    select
        {{ surrogate_key(['allocated.month', 'allocated.cost_pool']) }} as allocation_pool_month_id,
        allocated.month,
        allocated.cost_pool,
        cast(allocated.pool_amount as decimal(18, 2)) as pool_amount,
        cast(allocated.allocated as decimal(18, 2)) as allocated,
        cast(allocated.allocation_rows as bigint) as allocation_rows,
        cast(pools.shared_cost_cap as decimal(18, 6)) as registry_cap,
        cast(
            {{ to_micros('allocated.pool_amount') }} - coalesce({{ to_micros('pools.shared_cost_cap') }}, 0)
            as bigint
        ) as registry_difference_micros
    from allocated
    left join pools
        on
            allocated.cost_pool = pools.pool_name
            and allocated.month = {{ month_start('pools.period_start') }}

)

select * from final
