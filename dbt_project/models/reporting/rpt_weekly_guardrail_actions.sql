{#- The guardrail receiver's decisions per ISO week (UTC days of event_time), cost center and decision. -#}
with

events as (

    select * from {{ ref('stg_guardrails__webhook_events') }}

),

weekly as (

    select
        {{ iso_week_start('event_date') }} as week_start,
        cost_center,
        decision,
        count(*) as events
    from events
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['week_start', 'cost_center', 'decision']) }} as report_action_id,
        week_start,
        cost_center,
        decision,
        cast(events as bigint) as events
    from weekly

)

select * from final
