-- Conservation: for every month and cost pool the allocated cents add up to the pool amount
-- (rounded to the cent) exactly. Returns the offending (month, pool) pairs.
with

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

per_pool as (

    select
        month,
        cost_pool,
        max(pool_amount) as pool_amount,
        min(pool_amount) as min_pool_amount,
        sum(allocated_shared_cost) as allocated
    from allocation
    group by 1, 2

)

select *
from per_pool
where pool_amount <> min_pool_amount
    or allocated <> round(pool_amount, 2)
