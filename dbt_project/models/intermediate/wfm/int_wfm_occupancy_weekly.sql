{#-
    Agent occupancy per platform x queue x ISO week (Monday, UTC), from routing-status time of the
    queue's members: occupancy = interacting / (interacting + idle). An agent in several queues
    counts in each (WFM's own convention for multi-skilled agents). Staffed (on-queue) time =
    IDLE + INTERACTING + NOT_RESPONDING + COMMUNICATING; OFF_QUEUE is not staffed.
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

final as (

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

)

select * from final
