{#-
    Daily amortised pool money per cost center: one row per day x pool x cost center x
    allocation_kind. Every cent of int_pool_accruals_daily lands in exactly one row:
      allocated     the day's shared part (least(monthly_amount, cap) / days in month) split by
                    the cost centers' voice milliseconds that day on the pool's platform ('all' =
                    both) in the pool's currency, in cents by largest remainder
      unallocated   the shared part of a day without any basis: one UNALLOCATED row
      cap_overflow  the part above the cap: the pool's owner_cost_center (registry), else
                    UNALLOCATED
    Summed over a complete month the rows give the pool's monthly_amount in full.
-#}

with

accruals as (

    select * from {{ ref('int_pool_accruals_daily') }}

),

basis as (

    select * from {{ ref('int_allocation_basis_daily') }}

),

pool_basis as (

    select
        accruals.date_day,
        accruals.month,
        accruals.pool_name,
        accruals.currency,
        accruals.shared_cents,
        accruals.allocation_rule_version,
        basis.cost_center,
        sum(basis.voice_ms) as queue_ms
    from accruals
    inner join basis
        on accruals.date_day = basis.date_day
            and (accruals.pool_platform = 'all' or accruals.pool_platform = basis.platform)
            -- minutes of unrated items (no currency) still count towards every pool's basis
            and accruals.currency = coalesce(basis.currency, accruals.currency)
    group by 1, 2, 3, 4, 5, 6, 7

),

with_totals as (

    select
        pool_basis.*,
        sum(pool_basis.queue_ms) over (
            partition by pool_basis.date_day, pool_basis.pool_name
        ) as total_ms
    from pool_basis

),

with_basis as (

    select * from with_totals
    where total_ms > 0

),

apportioned as (

    {{ largest_remainder(
        'with_basis', ['date_day', 'pool_name'], 'queue_ms', 'shared_cents', 'cost_center'
    ) }}

),

allocated as (

    select
        date_day,
        month,
        pool_name,
        cost_center,
        'allocated' as allocation_kind,
        currency,
        cast(queue_ms as bigint) as queue_ms,
        cast(total_ms as bigint) as total_ms,
        cast(allocated_cents as bigint) as allocated_cents,
        allocation_rule_version
    from apportioned

),

unallocated as (

    select
        accruals.date_day,
        accruals.month,
        accruals.pool_name,
        '{{ var("unallocated_cost_center") }}' as cost_center,
        'unallocated' as allocation_kind,
        accruals.currency,
        cast(0 as bigint) as queue_ms,
        cast(0 as bigint) as total_ms,
        accruals.shared_cents as allocated_cents,
        accruals.allocation_rule_version
    from accruals
    where accruals.shared_cents > 0
        and not exists (
            select 1
            from with_basis
            where with_basis.date_day = accruals.date_day
                and with_basis.pool_name = accruals.pool_name
        )

),

cap_overflow as (

    select
        date_day,
        month,
        pool_name,
        coalesce(owner_cost_center, '{{ var("unallocated_cost_center") }}') as cost_center,
        'cap_overflow' as allocation_kind,
        currency,
        cast(0 as bigint) as queue_ms,
        cast(0 as bigint) as total_ms,
        overflow_cents as allocated_cents,
        allocation_rule_version
    from accruals
    where overflow_cents > 0

),

unioned as (

    select * from allocated
    union all
    select * from unallocated
    union all
    select * from cap_overflow

),

final as (

    select
        {{ surrogate_key(['date_day', 'pool_name', 'cost_center', 'allocation_kind']) }}
            as pool_allocation_day_id,
        cast(date_day as date) as date_day,
        cast(month as date) as month,
        cast(pool_name as varchar) as pool_name,
        cast(cost_center as varchar) as cost_center,
        cast(allocation_kind as varchar) as allocation_kind,
        cast(currency as varchar) as currency,
        queue_ms,
        total_ms,
        allocated_cents,
        {{ cents_to_decimal('allocated_cents') }} as allocated_cost,
        cast(allocation_rule_version as varchar) as allocation_rule_version
    from unioned

)

select * from final
