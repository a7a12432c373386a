{#-
    Agent occupancy inputs per platform x queue x ISO week (Monday, UTC):
    occupancy = interacting / (interacting + idle).
    Genesys: routing-status time of the queue's members; an agent in several queues counts in each
    (WFM's own convention for multi-skilled agents). Staffed (on-queue) time = IDLE + INTERACTING +
    NOT_RESPONDING + COMMUNICATING; OFF_QUEUE is not staffed.
    CXone (no skill membership in the state history): an agent's contact-state time counts for the
    contact's skill; the agent's Available time of a UTC day is attributed to the skills in
    proportion to its contact-state time that day (an agent-day without contacts has no skill and
    is left out). Staffed = interacting + available.
-#}

with

status as (

    select * from {{ ref('stg_genesys__wfm_user_status') }}

),

members as (

    select * from {{ ref('stg_genesys__wfm_queue_members') }}

),

member_status as (

    select
        members.queue_id,
        status.user_id,
        status.routing_status,
        status.duration_ms,
        {{ iso_week_start(utc_date('status.interval_start')) }} as week_start
    from status
    inner join members
        on status.user_id = members.user_id

),

cxone_states as (

    select * from {{ ref('stg_cxone__agent_state_history') }}

),

cxone_busy as (

    select
        agent_id,
        state_date,
        skill_id,
        sum(duration_ms) as interacting_ms
    from cxone_states
    where state_class = 'interacting' and skill_id is not null
    group by 1, 2, 3

),

cxone_available as (

    select
        agent_id,
        state_date,
        sum(duration_ms) as available_ms
    from cxone_states
    where state_class = 'available'
    group by 1, 2

),

cxone_agent_days as (

    select
        cxone_busy.agent_id,
        cxone_busy.skill_id,
        cxone_busy.interacting_ms,
        {{ iso_week_start('cxone_busy.state_date') }} as week_start,
        coalesce(cxone_available.available_ms, 0) * cxone_busy.interacting_ms
        / sum(cxone_busy.interacting_ms) over (
            partition by cxone_busy.agent_id, cxone_busy.state_date
        ) as idle_ms
    from cxone_busy
    left join cxone_available
        on cxone_busy.agent_id = cxone_available.agent_id
            and cxone_busy.state_date = cxone_available.state_date

),

cxone as (

    select
        'cxone' as platform,
        skill_id as queue_id,
        week_start,
        count(distinct agent_id) as agent_count,
        sum(interacting_ms) as interacting_ms,
        cast(round(sum(idle_ms)) as bigint) as idle_ms,
        sum(interacting_ms) + cast(round(sum(idle_ms)) as bigint) as staffed_ms
    from cxone_agent_days
    group by 1, 2, 3

),

genesys as (

    select
        'genesys' as platform,
        queue_id,
        week_start,
        count(distinct user_id) as agent_count,
        sum(case when routing_status = 'INTERACTING' then duration_ms else 0 end) as interacting_ms,
        sum(case when routing_status = 'IDLE' then duration_ms else 0 end) as idle_ms,
        sum(
            case
                when routing_status in ('IDLE', 'INTERACTING', 'NOT_RESPONDING', 'COMMUNICATING')
                    then duration_ms
                else 0
            end
        ) as staffed_ms
    from member_status
    group by 1, 2, 3

),

final as (

    select * from genesys
    union all
    select * from cxone

)

select * from final
