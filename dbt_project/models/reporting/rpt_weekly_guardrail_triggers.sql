{#- Guardrail trigger frequency per ISO week and cost center, with the reviewers' true/false marks. -#}
with

weekly as (

    select * from {{ ref('fct_guardrail_triggers_weekly') }}

),

final as (

    select
        trigger_week_id as report_trigger_week_id,
        week_start,
        cost_center,
        triggers,
        labelled_true,
        labelled_false,
        unlabelled,
        missed_labelled_true,
        actions,
        applied_actions,
        rolled_back_actions
    from weekly

)

select * from final
