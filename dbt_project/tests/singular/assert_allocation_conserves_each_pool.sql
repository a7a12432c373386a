-- Conservation: for every month and cost pool the allocation rows (allocated + unallocated +
-- cap_overflow) add up to what accrued, and a complete month accrued the registry's monthly
-- amount in full (above the cap included). Returns the offending (month, pool) pairs.
with

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

pool_months as (

    select * from {{ ref('fct_cost_pool_monthly') }}

),

per_pool as (

    select
        month,
        cost_pool,
        sum(allocated_shared_cost) as allocated
    from allocation
    group by 1, 2

)

select
    pool_months.month,
    pool_months.cost_pool,
    pool_months.monthly_amount,
    pool_months.accrued_amount,
    per_pool.allocated
from pool_months
left join per_pool
    on pool_months.month = per_pool.month
        and pool_months.cost_pool = per_pool.cost_pool
where coalesce(per_pool.allocated, 0) <> pool_months.accrued_amount
    or pool_months.accrued_amount <> pool_months.allocated_amount + pool_months.overflow_amount
    or (pool_months.is_month_closed and pool_months.accrued_amount <> round(pool_months.monthly_amount, 2))
