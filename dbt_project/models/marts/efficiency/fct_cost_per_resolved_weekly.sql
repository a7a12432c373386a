{#-
    Cost per resolved interaction per ISO week (Monday start, UTC) x queue x cost center.

    queue_id = the interaction's originating (first ACD) queue, else the item's own queue, else
    'UNASSIGNED': overflow, fallback and transfer legs roll up into the queue the interaction
    entered, the same rule that gives them their cost center.

    - telephony_cost / transcription_cost / wem_evaluation_cost: rated fct_usage_cost by usage_date.
    - licensing_allocation: fct_cost_allocation_monthly.allocated_shared_cost per month, pool and
      cost center, prorated to (week, queue) cells by the cost center's voice milliseconds in the
      days of that month falling in that week, on the pool's platform (all platforms for
      platform = all) and in the pool's currency (rated items) - the same utilization basis the
      monthly allocation uses. An allocation with
      no such minutes (e.g. the UNALLOCATED row) is prorated by calendar days of the month in each
      week to queue 'UNASSIGNED'. Amounts are split in micro-units by largest remainder, so every
      month x pool x cost center sums exactly to its allocated_shared_cost.
    - resolved_count / handled_count / avg_handle_seconds / avg_wem_score: per interaction
      (Genesys conversation, CXone master contact), placed in the week of its first usage item and
      its originating queue and cost center; resolved = final wrap-up code / disposition mapped to `resolved` in seed
      resolution_codes.
    - cost_per_resolved = (telephony_cost + licensing_allocation + transcription_cost)
      / resolved_count; null with null_reason = 'no_resolved_interactions' when nothing resolved.
-#}

{%- set unassigned = var('unassigned_queue_id', 'UNASSIGNED') -%}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

conversations as (

    select * from {{ ref('int_conversations') }}

),

evaluations as (

    select * from {{ ref('stg_genesys__evaluations') }}

),

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

cost_pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

resolution_codes as (

    select
        platform,
        outcome,
        lower(trim(code)) as code_key
    from {{ ref('resolution_codes') }}

),

usage_cells as (

    select
        usage_id,
        platform,
        conversation_id,
        usage_type,
        usage_start,
        usage_date,
        duration_ms,
        cost,
        currency,
        cost_center,
        {{ iso_week_start('usage_date') }} as week_start,
        {{ month_start('usage_date') }} as usage_month,
        coalesce(originating_queue_id, queue_id, '{{ unassigned }}') as queue_id
    from usage_cost

),

----------  direct usage cost per cell

usage_costs as (

    select
        week_start,
        queue_id,
        cost_center,
        sum(case when usage_type = 'voice' then cost end) as telephony_cost,
        sum(case when usage_type = 'transcription' then cost end) as transcription_cost,
        sum(case when usage_type = 'wem_evaluation' then cost end) as wem_evaluation_cost,
        sum(case when cost is null then 1 else 0 end) as unrated_item_count,
        min(currency) as currency
    from usage_cells
    group by 1, 2, 3

),

----------  interactions and their outcome

first_items as (

    -- an interaction's items share its originating queue and cost center (a manually
    -- re-attributed item aside: then the lowest cost center wins); its week is its first
    select
        platform,
        conversation_id,
        min(week_start) as week_start,
        min(queue_id) as queue_id,
        min(cost_center) as cost_center
    from usage_cells
    where conversation_id is not null
    group by 1, 2

),

evaluation_scores as (

    select
        conversation_id,
        count(*) as evaluation_count,
        sum(total_score) as score_sum
    from evaluations
    group by 1

),

interactions as (

    select
        first_items.week_start,
        first_items.queue_id,
        first_items.cost_center,
        conversations.wrapup_code,
        codes.outcome,
        evaluation_scores.score_sum,
        coalesce(not conversations.is_abandoned, false) as is_handled,
        coalesce(conversations.talk_ms, 0)
        + coalesce(conversations.hold_ms, 0)
        + coalesce(conversations.acw_ms, 0) as handle_ms,
        coalesce(evaluation_scores.evaluation_count, 0) as evaluation_count
    from first_items
    left join conversations
        on first_items.platform = conversations.platform
            and first_items.conversation_id = conversations.conversation_id
    left join resolution_codes as codes
        on first_items.platform = codes.platform
            and lower(trim(conversations.wrapup_code)) = codes.code_key
    left join evaluation_scores
        on first_items.platform = 'genesys'
            and first_items.conversation_id = evaluation_scores.conversation_id

),

outcomes as (

    select
        week_start,
        queue_id,
        cost_center,
        count(*) as interaction_count,
        sum(case when outcome = 'resolved' then 1 else 0 end) as resolved_count,
        sum(
            case when wrapup_code is not null and outcome is null then 1 else 0 end
        ) as unmapped_code_count,
        sum(case when is_handled then 1 else 0 end) as handled_count,
        sum(case when is_handled then handle_ms else 0 end) as handle_ms,
        sum(evaluation_count) as evaluation_count,
        sum(score_sum) as score_sum
    from interactions
    group by 1, 2, 3

),

----------  licence / shared cost allocation, prorated to weeks and queues

allocations as (

    select
        allocation.month as allocation_month,
        allocation.cost_pool,
        allocation.cost_center,
        {{ to_micros('allocation.allocated_shared_cost') }} as allocated_micros,
        coalesce(cost_pools.platform, 'all') as pool_platform,
        cost_pools.currency
    from allocation
    left join cost_pools
        on allocation.cost_pool = cost_pools.pool_name
            and allocation.month = cost_pools.period_start
    where allocation.allocated_shared_cost <> 0

),

voice_weights as (

    select
        usage_month as allocation_month,
        platform,
        cost_center,
        currency,
        week_start,
        queue_id,
        sum(duration_ms) as weight
    from usage_cells
    where usage_type = 'voice'
        and duration_ms > 0
    group by 1, 2, 3, 4, 5, 6

),

minute_shares as (

    select
        allocations.allocation_month,
        allocations.cost_pool,
        allocations.cost_center,
        allocations.allocated_micros,
        voice_weights.week_start,
        voice_weights.queue_id,
        sum(voice_weights.weight) as weight
    from allocations
    inner join voice_weights
        on allocations.allocation_month = voice_weights.allocation_month
            and allocations.cost_center = voice_weights.cost_center
            and allocations.currency = voice_weights.currency
            and (
                allocations.pool_platform = 'all'
                or allocations.pool_platform = voice_weights.platform
            )
    group by 1, 2, 3, 4, 5, 6

),

calendar as (

    {{ date_spine_days(
        '(select min(allocation_month) from allocations)',
        "(select max(allocation_month) from allocations) + interval '31 days'"
    ) }}

),

month_weeks as (

    select
        {{ month_start('date_day') }} as allocation_month,
        {{ iso_week_start('date_day') }} as week_start,
        count(*) as weight
    from calendar
    group by 1, 2

),

minute_share_keys as (

    select distinct
        allocation_month,
        cost_pool,
        cost_center
    from minute_shares

),

day_shares as (

    select
        allocations.allocation_month,
        allocations.cost_pool,
        allocations.cost_center,
        allocations.allocated_micros,
        month_weeks.week_start,
        '{{ unassigned }}' as queue_id,
        month_weeks.weight
    from allocations
    inner join month_weeks
        on allocations.allocation_month = month_weeks.allocation_month
    left join minute_share_keys
        on allocations.allocation_month = minute_share_keys.allocation_month
            and allocations.cost_pool = minute_share_keys.cost_pool
            and allocations.cost_center = minute_share_keys.cost_center
    where minute_share_keys.cost_pool is null

),

shares as (

    select * from minute_shares
    union all
    select * from day_shares

),

apportioned as (

    {{ largest_remainder(
        'shares',
        ['allocation_month', 'cost_pool', 'cost_center'],
        'weight',
        'allocated_micros',
        'week_start, queue_id'
    ) }}

),

licensing as (

    select
        week_start,
        queue_id,
        cost_center,
        sum(allocated_cents) as licensing_micros
    from apportioned
    group by 1, 2, 3

),

pool_currency as (

    select min(currency) as currency from allocations

),

----------  one row per cell

cells as (

    select
        week_start,
        queue_id,
        cost_center
    from usage_costs
    union
    select
        week_start,
        queue_id,
        cost_center
    from outcomes
    union
    select
        week_start,
        queue_id,
        cost_center
    from licensing

),

joined as (

    select
        cells.week_start,
        cells.queue_id,
        cells.cost_center,
        coalesce(
            usage_costs.currency, pool_currency.currency, '{{ var("default_currency", "USD") }}'
        ) as currency,
        cast(coalesce(usage_costs.telephony_cost, 0) as decimal(18, 6)) as telephony_cost,
        {{ micros_to_decimal('coalesce(licensing.licensing_micros, 0)') }} as licensing_allocation,
        cast(coalesce(usage_costs.transcription_cost, 0) as decimal(18, 6)) as transcription_cost,
        cast(coalesce(usage_costs.wem_evaluation_cost, 0) as decimal(18, 6)) as wem_evaluation_cost,
        cast(coalesce(usage_costs.unrated_item_count, 0) as bigint) as unrated_item_count,
        cast(coalesce(outcomes.interaction_count, 0) as bigint) as interaction_count,
        cast(coalesce(outcomes.resolved_count, 0) as bigint) as resolved_count,
        cast(coalesce(outcomes.unmapped_code_count, 0) as bigint) as unmapped_code_count,
        cast(coalesce(outcomes.handled_count, 0) as bigint) as handled_count,
        coalesce(outcomes.handle_ms, 0) as handle_ms,
        cast(coalesce(outcomes.evaluation_count, 0) as bigint) as evaluation_count,
        outcomes.score_sum
    from cells
    cross join pool_currency
    left join usage_costs
        on cells.week_start = usage_costs.week_start
            and cells.queue_id = usage_costs.queue_id
            and cells.cost_center = usage_costs.cost_center
    left join outcomes
        on cells.week_start = outcomes.week_start
            and cells.queue_id = outcomes.queue_id
            and cells.cost_center = outcomes.cost_center
    left join licensing
        on cells.week_start = licensing.week_start
            and cells.queue_id = licensing.queue_id
            and cells.cost_center = licensing.cost_center

),

final as (

    select
        {{ surrogate_key(['week_start', 'queue_id', 'cost_center']) }} as cost_per_resolved_id,
        week_start,
        queue_id,
        cost_center,
        currency,
        telephony_cost,
        licensing_allocation,
        transcription_cost,
        cast(telephony_cost + licensing_allocation + transcription_cost as decimal(18, 6)) as total_cost,
        resolved_count,
        {{ money_div('telephony_cost + licensing_allocation + transcription_cost', 'resolved_count') }}
            as cost_per_resolved,
        case when resolved_count = 0 then 'no_resolved_interactions' end as null_reason,
        interaction_count,
        handled_count,
        cast(
            case when handled_count > 0 then round(handle_ms / 1000.0 / handled_count, 1) end
            as decimal(18, 1)
        ) as avg_handle_seconds,
        evaluation_count,
        cast(
            case when evaluation_count > 0 then round(score_sum / evaluation_count, 2) end
            as decimal(9, 2)
        ) as avg_wem_score,
        wem_evaluation_cost,
        unrated_item_count,
        unmapped_code_count
    from joined

)

select * from final
