{#-
    Cost per resolved interaction per ISO week, queue and cost center, as the weekly report shows it:
    money rounded half up to the cent, cost per resolved = total / resolved (null without resolved);
    unknown_outcome_count = interactions whose wrap-up code / disposition maps to no outcome.
-#}
with

cells as (

    select * from {{ ref('fct_cost_per_resolved_weekly') }}

),

queue_names as (

    select * from {{ ref('int_queue_names') }}

),

summed as (

    select
        week_start,
        queue_id,
        cost_center,
        sum(telephony_cost) as telephony_cost,
        sum(licensing_allocation) as licensing_allocation,
        sum(transcription_cost) as transcription_cost,
        sum(
            coalesce(telephony_cost, 0) + coalesce(licensing_allocation, 0) + coalesce(transcription_cost, 0)
        ) as total_cost_exact,
        cast(coalesce(sum(resolved_count), 0) as bigint) as resolved_count,
        cast(coalesce(sum(unmapped_code_count), 0) as bigint) as unknown_outcome_count
    from cells
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['summed.week_start', 'summed.queue_id', 'summed.cost_center']) }}
            as report_cell_id,
        summed.week_start,
        summed.queue_id,
        coalesce(queue_names.queue_name, summed.queue_id) as queue_name,
        summed.cost_center,
        {{ round_cents('coalesce(summed.telephony_cost, 0)') }} as telephony_cost,
        {{ round_cents('coalesce(summed.licensing_allocation, 0)') }} as licensing_allocation,
        {{ round_cents('coalesce(summed.transcription_cost, 0)') }} as transcription_cost,
        {{ round_cents('summed.total_cost_exact') }} as total_cost,
        cast(summed.total_cost_exact as decimal(18, 6)) as total_cost_exact,
        summed.resolved_count,
        case
            when summed.resolved_count > 0
                then cast({{ cents_to_decimal(signed_div_round(
                    to_micros('summed.total_cost_exact'), 'summed.resolved_count * 10000'
                )) }} as decimal(18, 2))
        end as cost_per_resolved,
        summed.unknown_outcome_count
    from summed
    left join queue_names on summed.queue_id = queue_names.queue_id

)

select * from final
