{#-
    One row per month of fct_chargeback_monthly: whether it is closed (close_id, closed_at), the
    allocation rule versions, totals of pools (accrued, from fct_cost_pool_monthly), the pool money on
    chargeback lines and direct usage, and whether every pool is charged exactly (lines = accrued).
-#}
with

lines as (

    select * from {{ ref('fct_chargeback_monthly') }}

),

pool_months as (

    select * from {{ ref('fct_cost_pool_monthly') }}

),

allocated as (

    select
        month,
        item as cost_pool,
        sum(amount) as allocated
    from lines
    where line_type = 'shared'
    group by 1, 2

),

-- every pool's accrued money (cap overflow included) against what its lines carry
pools as (

    select
        coalesce(pool_months.month, allocated.month) as month,
        coalesce(pool_months.cost_pool, allocated.cost_pool) as cost_pool,
        pool_months.accrued_amount as pool_amount,
        allocated.allocated
    from pool_months
    full outer join allocated
        on pool_months.month = allocated.month and pool_months.cost_pool = allocated.cost_pool

),

pool_totals as (

    select
        month,
        sum(pool_amount) as total_pool_amount,
        sum(allocated) as total_allocated,
        min(case when coalesce(pool_amount, 0) = coalesce(allocated, 0) then 1 else 0 end) as all_conserved
    from pools
    group by 1

),

months as (

    select
        month,
        bool_or(is_closed) as is_closed,
        max(close_id) as close_id,
        max(closed_at) as closed_at,
        sum(case when line_type = 'usage' then amount else 0 end) as total_direct
    from lines
    group by 1

),

versions as (

    select
        month,
        {{ dbt.listagg('rule_version', "','", 'order by rule_version') }} as allocation_rule_versions
    from (
        select distinct
            month,
            rule_version
        from lines
        where line_type = 'shared' and rule_version is not null
    ) as distinct_versions
    group by 1

),

final as (

    select
        months.month,
        months.is_closed,
        months.close_id,
        months.closed_at,
        versions.allocation_rule_versions,
        cast(coalesce(pool_totals.total_pool_amount, 0) as decimal(18, 2)) as total_pool_amount,
        cast(coalesce(pool_totals.total_allocated, 0) as decimal(18, 2)) as total_allocated,
        cast(months.total_direct as decimal(18, 6)) as total_direct,
        coalesce(pool_totals.all_conserved, 1) = 1 as is_conserved
    from months
    left join pool_totals on months.month = pool_totals.month
    left join versions on months.month = versions.month

)

select * from final
