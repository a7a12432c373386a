{#-
    Pool money (licences, platform fees, shared pools) per ISO week x queue x cost center, from
    the daily amortisation (int_pool_allocations_daily): a week carries the days it contains.
    Each day's allocated amount of a cost center is split over its queues by their voice
    milliseconds that day on the pool's platform in the pool's currency (cents, largest
    remainder); unallocated and cap_overflow rows (no minutes) go to queue 'UNASSIGNED'.
-#}

{%- set unassigned = var('unassigned_queue_id', 'UNASSIGNED') -%}

with

allocations as (

    select * from {{ ref('int_pool_allocations_daily') }}

),

accruals as (

    select * from {{ ref('int_pool_accruals_daily') }}

),

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

queue_weights as (

    select
        usage_date as date_day,
        platform,
        cost_center,
        currency,
        coalesce(originating_queue_id, queue_id, '{{ unassigned }}') as queue_id,
        sum(duration_ms) as weight
    from usage_cost
    where usage_type = 'voice'
        and duration_ms > 0
    group by 1, 2, 3, 4, 5

),

allocated as (

    select
        allocations.date_day,
        allocations.pool_name,
        allocations.cost_center,
        allocations.allocation_kind,
        allocations.allocated_cents as day_cents,
        queue_weights.queue_id,
        sum(queue_weights.weight) as weight
    from allocations
    inner join accruals
        on allocations.date_day = accruals.date_day
            and allocations.pool_name = accruals.pool_name
    inner join queue_weights
        on allocations.date_day = queue_weights.date_day
            and allocations.cost_center = queue_weights.cost_center
            and (accruals.pool_platform = 'all' or accruals.pool_platform = queue_weights.platform)
            and allocations.currency = coalesce(queue_weights.currency, allocations.currency)
    where allocations.allocation_kind = 'allocated'
    group by 1, 2, 3, 4, 5, 6

),

apportioned as (

    {{ largest_remainder(
        'allocated',
        ['date_day', 'pool_name', 'cost_center', 'allocation_kind'],
        'weight',
        'day_cents',
        'queue_id'
    ) }}

),

queue_keys as (

    select distinct
        date_day,
        pool_name,
        cost_center,
        allocation_kind
    from allocated

),

unassigned as (

    select
        allocations.date_day,
        allocations.cost_center,
        '{{ unassigned }}' as queue_id,
        allocations.allocated_cents
    from allocations
    left join queue_keys
        on allocations.date_day = queue_keys.date_day
            and allocations.pool_name = queue_keys.pool_name
            and allocations.cost_center = queue_keys.cost_center
            and allocations.allocation_kind = queue_keys.allocation_kind
    where queue_keys.pool_name is null

),

daily as (

    select
        date_day,
        cost_center,
        queue_id,
        allocated_cents
    from apportioned
    union all
    select * from unassigned

),

final as (

    select
        {{ surrogate_key(['week_start', 'queue_id', 'cost_center']) }} as licensing_cell_id,
        week_start,
        queue_id,
        cost_center,
        licensing_cents
    from (
        select
            {{ iso_week_start('date_day') }} as week_start,
            queue_id,
            cost_center,
            sum(allocated_cents) as licensing_cents
        from daily
        group by 1, 2, 3
    ) as weekly

)

select * from final
