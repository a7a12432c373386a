{#-
    Interaction outcomes per ISO week x queue x cost center (int_interactions): every channel
    on both platforms; resolved_voice_count keeps the voice / callback-only figure.
-#}

with

interactions as (

    select * from {{ ref('int_interactions') }}

),

final as (

    select
        {{ surrogate_key(['week_start', 'queue_id', 'cost_center']) }} as outcome_cell_id,
        week_start,
        queue_id,
        cost_center,
        count(*) as interaction_count,
        sum(case when is_resolved then 1 else 0 end) as resolved_count,
        sum(case when is_resolved and is_voice then 1 else 0 end) as resolved_voice_count,
        sum(case when wrapup_code is not null and outcome is null then 1 else 0 end) as unmapped_code_count,
        sum(case when is_handled then 1 else 0 end) as handled_count,
        sum(case when is_handled then handle_ms else 0 end) as handle_ms,
        sum(evaluation_count) as evaluation_count,
        sum(score_sum) as score_sum
    from interactions
    group by 2, 3, 4

)

select * from final
