{#-
    Shared-cost allocation: month x cost pool x cost center.

    pool_amount            = shared_cost_cap = least(monthly_amount, cap) of the pool row in force
                             for the month (licence pools: the registry's monthly licence total,
                             i.e. licensed users x price; platform fees and shared pools alike)
    queue_minutes          = voice minutes (measured duration) of the cost center in the month on
                             the pool's platform ('all' = both platforms)
    allocated_shared_cost  = queue_minutes / total_minutes x pool_amount, in cents, rounded by
                             largest remainder so each (month, pool) sums to pool_amount exactly
    A pool with no minutes in a month gets one UNALLOCATED row carrying the whole amount.
    direct_cost            = the cost center's rated usage cost in the month on that platform.
-#}

with

pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

usage_months as (

    select
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as month,
        platform,
        cost_center,
        currency,
        sum(case when usage_type = 'voice' then duration_ms else 0 end) as queue_ms,
        sum(cost) as direct_cost
    from usage_cost
    group by 1, 2, 3, 4

),

month_bounds as (

    select
        min(pools.period_start) as first_day,
        greatest(
            max(coalesce(pools.period_end, pools.period_start)),
            coalesce((select max(usage_months.month) from usage_months), max(pools.period_start))
        ) as last_day
    from pools

),

months as (

    select date_day as month
    from (
        {{ date_spine_days('(select first_day from month_bounds)', '(select last_day from month_bounds)') }}
    )
        as days
    where extract(day from date_day) = 1

),

pool_months as (

    select
        months.month,
        pools.pool_name as cost_pool,
        pools.pool_type,
        pools.platform as pool_platform,
        pools.currency,
        pools.shared_cost_cap as pool_amount,
        {{ int_div_round(to_micros('pools.shared_cost_cap'), '10000') }} as pool_cents,
        pools.rule_version as allocation_rule_version,
        row_number() over (
            partition by pools.pool_name, months.month
            order by pools.period_start desc
        ) as precedence
    from pools
    inner join months
        on months.month >= cast({{ dbt.date_trunc('month', 'pools.period_start') }} as date)
            and (
                pools.period_end is null and months.month <= (select max(month) from usage_months)
                or pools.period_end > months.month
            )

),

pool_basis as (

    select
        pool_months.month,
        pool_months.cost_pool,
        pool_months.pool_amount,
        pool_months.pool_cents,
        pool_months.currency,
        pool_months.allocation_rule_version,
        usage_months.cost_center,
        sum(usage_months.queue_ms) as queue_ms,
        sum(usage_months.direct_cost) as direct_cost
    from pool_months
    inner join usage_months
        on pool_months.month = usage_months.month
        -- minutes of unrated items (no currency) still count towards every pool's basis
            and pool_months.currency = coalesce(usage_months.currency, pool_months.currency)
            and (pool_months.pool_platform = 'all' or pool_months.pool_platform = usage_months.platform)
    where pool_months.precedence = 1
    group by 1, 2, 3, 4, 5, 6, 7

),

pool_totals as (

    select
        pool_basis.*,
        sum(pool_basis.queue_ms) over (partition by pool_basis.month, pool_basis.cost_pool) as total_ms
    from pool_basis

),

with_basis as (

    select * from pool_totals
    where total_ms > 0

),

apportioned as (

    {{ largest_remainder('with_basis', ['month', 'cost_pool'], 'queue_ms', 'pool_cents', 'cost_center') }}

),

allocated as (

    select
        month,
        cost_pool,
        cost_center,
        pool_amount,
        currency,
        queue_ms,
        total_ms,
        {{ int_div_round('queue_ms * 1000000', 'total_ms') }} as share_micros,
        allocated_cents,
        coalesce(direct_cost, 0) as direct_cost,
        allocation_rule_version
    from apportioned

),

-- pools with no basis in the month: the whole amount stays visible as UNALLOCATED
unallocated as (

    select
        pool_months.month,
        pool_months.cost_pool,
        '{{ var("unallocated_cost_center") }}' as cost_center,
        pool_months.pool_amount,
        pool_months.currency,
        cast(0 as bigint) as queue_ms,
        cast(0 as bigint) as total_ms,
        cast(null as bigint) as share_micros,
        pool_months.pool_cents as allocated_cents,
        cast(0 as decimal(18, 6)) as direct_cost,
        pool_months.allocation_rule_version
    from pool_months
    where pool_months.precedence = 1
        and not exists (
            select 1
            from with_basis
            where with_basis.month = pool_months.month
                and with_basis.cost_pool = pool_months.cost_pool
        )

),

unioned as (

    select * from allocated
    union all
    select * from unallocated

),

final as (

    select
        {{ surrogate_key(['month', 'cost_pool', 'cost_center']) }} as allocation_id,
        month,
        cost_pool,
        cost_center,
        pool_amount,
        currency,
        {{ micros_to_decimal(int_div_round('queue_ms * 1000', '60')) }} as queue_minutes,
        {{ micros_to_decimal(int_div_round('total_ms * 1000', '60')) }} as total_minutes,
        {{ micros_to_decimal('share_micros') }} as allocation_share,
        {{ cents_to_decimal('allocated_cents') }} as allocated_shared_cost,
        cast(direct_cost as decimal(18, 6)) as direct_cost,
        allocation_rule_version
    from unioned

)

select * from final
