{#-
    The guardrail's triggers and the reviewers' labels per cost center and UTC day (the grain of a
    trigger: one action per day, cost center and mitigation; a labelled event or action stands for
    its cost-center day). A day is in this mart when the receiver decided `mitigate` or `warn` there,
    the executor recorded an action, or a reviewer labelled one of its events or actions.
    triggered = the policy acted that day (a `mitigate` decision or an action). The newest label of
    the day wins (a relabel appends a newer one).
-#}
with

events as (

    select * from {{ ref('stg_guardrails__webhook_events') }}

),

actions as (

    select * from {{ ref('stg_guardrails__actions') }}

),

labels as (

    select * from {{ ref('stg_guardrails__labels') }}

),

event_days as (

    select
        cost_center,
        event_date as cost_date,
        sum(case when decision = 'mitigate' then 1 else 0 end) as mitigate_events,
        sum(case when decision = 'warn' then 1 else 0 end) as warn_events,
        min(case when decision = 'mitigate' then event_time end) as first_mitigate_at
    from events
    where decision in ('mitigate', 'warn')
    group by 1, 2

),

action_days as (

    select
        cost_center,
        action_date as cost_date,
        count(*) as actions,
        sum(case when state in ('applied', 'rolled_back') then 1 else 0 end) as applied_actions,
        sum(case when state = 'rolled_back' then 1 else 0 end) as rolled_back_actions
    from actions
    group by 1, 2

),

ranked_labels as (

    select
        *,
        row_number() over (
            partition by cost_center, cost_date order by labelled_at desc, label_id desc
        ) as label_rank,
        count(*) over (partition by cost_center, cost_date) as label_count
    from labels

),

latest_labels as (

    select * from ranked_labels
    where label_rank = 1

),

days as (

    select
        cost_center,
        cost_date
    from event_days
    union
    select
        cost_center,
        cost_date
    from action_days
    union
    select
        cost_center,
        cost_date
    from latest_labels

),

final as (

    select
        {{ surrogate_key(['days.cost_center', 'days.cost_date']) }} as trigger_day_id,
        days.cost_date,
        {{ iso_week_start('days.cost_date') }} as week_start,
        days.cost_center,
        coalesce(event_days.mitigate_events, 0) > 0 or coalesce(action_days.actions, 0) > 0 as triggered,
        cast(coalesce(event_days.mitigate_events, 0) as bigint) as mitigate_events,
        cast(coalesce(event_days.warn_events, 0) as bigint) as warn_events,
        event_days.first_mitigate_at,
        cast(coalesce(action_days.actions, 0) as bigint) as actions,
        cast(coalesce(action_days.applied_actions, 0) as bigint) as applied_actions,
        cast(coalesce(action_days.rolled_back_actions, 0) as bigint) as rolled_back_actions,
        latest_labels.is_true_alert,
        latest_labels.labelled_by,
        latest_labels.labelled_at,
        latest_labels.note as label_note,
        latest_labels.target_id as label_target_id,
        cast(coalesce(latest_labels.label_count, 0) as bigint) as label_count
    from days
    left join event_days
        on days.cost_center = event_days.cost_center and days.cost_date = event_days.cost_date
    left join action_days
        on days.cost_center = action_days.cost_center and days.cost_date = action_days.cost_date
    left join latest_labels
        on days.cost_center = latest_labels.cost_center and days.cost_date = latest_labels.cost_date

)

select * from final
