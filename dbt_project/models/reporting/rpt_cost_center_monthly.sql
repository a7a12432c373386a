{#-
    Cost per month, currency and cost center: rated usage (unrounded and to the cent), usage items
    and unrated items, the allocated share of licence / shared pools, and flags for the system
    members (var('unattributed_cost_center'), var('unallocated_cost_center')). The cost summaries
    of `ccfinops build`, the demo and the weekly report's allocation table read this mart.
-#}
with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

usage_monthly as (

    select
        {{ month_start('usage_date') }} as month,
        coalesce(currency, '{{ var("default_currency") }}') as currency,
        cost_center,
        sum(cost) as usage_cost,
        count(*) as usage_items,
        sum(case when cost is null then 1 else 0 end) as unrated_items
    from usage_cost
    group by 1, 2, 3

),

allocation_monthly as (

    select
        month,
        coalesce(currency, '{{ var("default_currency") }}') as currency,
        cost_center,
        sum(allocated_shared_cost) as allocated_shared_cost,
        max(allocation_rule_version) as allocation_rule_version
    from allocation
    group by 1, 2, 3

),

joined as (

    select
        coalesce(usage_monthly.month, allocation_monthly.month) as month,
        coalesce(usage_monthly.currency, allocation_monthly.currency) as currency,
        coalesce(usage_monthly.cost_center, allocation_monthly.cost_center) as cost_center,
        usage_monthly.usage_cost,
        coalesce(usage_monthly.usage_items, 0) as usage_items,
        coalesce(usage_monthly.unrated_items, 0) as unrated_items,
        coalesce(allocation_monthly.allocated_shared_cost, 0) as allocated_shared_cost,
        allocation_monthly.allocation_rule_version
    from usage_monthly
    full outer join allocation_monthly
        on
            usage_monthly.month = allocation_monthly.month
            and usage_monthly.currency = allocation_monthly.currency
            and usage_monthly.cost_center = allocation_monthly.cost_center

),

final as (

    select
        {{ surrogate_key(['month', 'currency', 'cost_center']) }} as cost_center_month_id,
        month,
        currency,
        cost_center,
        cast(coalesce(usage_cost, 0) as decimal(18, 6)) as usage_cost,
        {{ round_cents('coalesce(usage_cost, 0)') }} as direct_usage_cost,
        cast(allocated_shared_cost as decimal(18, 2)) as allocated_shared_cost,
        cast(
            {{ round_cents('coalesce(usage_cost, 0)') }} + allocated_shared_cost as decimal(18, 2)
        ) as total_cost,
        cast(usage_items as bigint) as usage_items,
        cast(unrated_items as bigint) as unrated_items,
        allocation_rule_version,
        cost_center = '{{ var("unattributed_cost_center") }}' as is_unattributed,
        cost_center = '{{ var("unallocated_cost_center") }}' as is_unallocated
    from joined

)

select * from final
