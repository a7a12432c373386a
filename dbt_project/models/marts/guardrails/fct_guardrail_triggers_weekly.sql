{#-
    Guardrail trigger frequency per cost center and ISO week (UTC days), with the reviewers' marks:
    a trigger is a cost-center day on which the policy acted (fct_guardrail_trigger_days.triggered);
    each is labelled true (a real overrun), false (a false alert) or not yet. Labelled days the
    guardrail did not act on (a reviewer marked a real overrun it missed) are counted apart.
-#}
with

trigger_days as (

    select * from {{ ref('fct_guardrail_trigger_days') }}

),

weekly as (

    select
        week_start,
        cost_center,
        sum(case when triggered then 1 else 0 end) as triggers,
        sum(case when triggered and is_true_alert then 1 else 0 end) as labelled_true,
        sum(case when triggered and not is_true_alert then 1 else 0 end) as labelled_false,
        sum(case when triggered and is_true_alert is null then 1 else 0 end) as unlabelled,
        sum(case when not triggered and is_true_alert then 1 else 0 end) as missed_labelled_true,
        sum(actions) as actions,
        sum(applied_actions) as applied_actions,
        sum(rolled_back_actions) as rolled_back_actions
    from trigger_days
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['week_start', 'cost_center']) }} as trigger_week_id,
        week_start,
        cost_center,
        cast(triggers as bigint) as triggers,
        cast(labelled_true as bigint) as labelled_true,
        cast(labelled_false as bigint) as labelled_false,
        cast(unlabelled as bigint) as unlabelled,
        cast(missed_labelled_true as bigint) as missed_labelled_true,
        cast(actions as bigint) as actions,
        cast(applied_actions as bigint) as applied_actions,
        cast(rolled_back_actions as bigint) as rolled_back_actions
    from weekly

)

select * from final
