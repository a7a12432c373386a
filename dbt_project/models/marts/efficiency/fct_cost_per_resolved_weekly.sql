{#-
    Cost per resolved interaction per ISO week (Monday start, UTC) x queue x cost center (grain).
    Each concern is an intermediate model (models/intermediate/efficiency):
      int_usage_costs_weekly   telephony / transcription / WEM cost: rated fct_usage_cost by
                               usage_date, queue = the originating queue (overflow, fallback and
                               transfer legs roll up into the queue the interaction entered)
      int_licensing_weekly     pool money from the daily amortisation: a week carries the days it
                               contains (month-to-date in an open month), split to queues by the
                               cost center's voice minutes per day; no minutes -> 'UNASSIGNED'
      int_outcomes_weekly      interactions on every channel and both platforms by the week they
                               started: resolved_count (all channels), resolved_voice_count,
                               handled, handle time, WEM scores
    cost_per_resolved = (telephony_cost + licensing_allocation + transcription_cost)
    / resolved_count; null when nothing resolved, with null_reason = 'outcome_codes_unmapped'
    when some wrap-up codes / dispositions map to no outcome, else 'no_resolved_interactions'.
-#}

with

usage_costs as (

    select * from {{ ref('int_usage_costs_weekly') }}

),

licensing as (

    select * from {{ ref('int_licensing_weekly') }}

),

outcomes as (

    select * from {{ ref('int_outcomes_weekly') }}

),

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
        coalesce(usage_costs.currency, '{{ var("default_currency", "USD") }}') as currency,
        cast(coalesce(usage_costs.telephony_cost, 0) as decimal(18, 6)) as telephony_cost,
        {{ cents_to_decimal('coalesce(licensing.licensing_cents, 0)') }} as licensing_allocation,
        cast(coalesce(usage_costs.transcription_cost, 0) as decimal(18, 6)) as transcription_cost,
        cast(coalesce(usage_costs.wem_evaluation_cost, 0) as decimal(18, 6)) as wem_evaluation_cost,
        cast(coalesce(usage_costs.unrated_item_count, 0) as bigint) as unrated_item_count,
        cast(coalesce(outcomes.interaction_count, 0) as bigint) as interaction_count,
        cast(coalesce(outcomes.resolved_count, 0) as bigint) as resolved_count,
        cast(coalesce(outcomes.resolved_voice_count, 0) as bigint) as resolved_voice_count,
        cast(coalesce(outcomes.unmapped_code_count, 0) as bigint) as unmapped_code_count,
        cast(coalesce(outcomes.handled_count, 0) as bigint) as handled_count,
        coalesce(outcomes.handle_ms, 0) as handle_ms,
        cast(coalesce(outcomes.evaluation_count, 0) as bigint) as evaluation_count,
        outcomes.score_sum
    from cells
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
        cast(week_start as date) as week_start,
        cast(queue_id as varchar) as queue_id,
        cast(cost_center as varchar) as cost_center,
        cast(currency as varchar) as currency,
        telephony_cost,
        licensing_allocation,
        transcription_cost,
        cast(telephony_cost + licensing_allocation + transcription_cost as decimal(18, 6)) as total_cost,
        resolved_count,
        {{ money_div('telephony_cost + licensing_allocation + transcription_cost', 'resolved_count') }}
            as cost_per_resolved,
        case
            -- codes no resolution code maps (e.g. CXone disposition ids when the org denies the
            -- dispositions API): the outcomes are unknown, not unresolved
            when resolved_count = 0 and unmapped_code_count > 0 then 'outcome_codes_unmapped'
            when resolved_count = 0 then 'no_resolved_interactions'
        end as null_reason,
        resolved_voice_count,
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
