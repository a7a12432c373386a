{#-
    Actual offered volume and handle time per platform x queue x ISO week (Monday, UTC), from the
    platforms' own queue statistics - the figures a WFM screen compares its forecast with.
    Genesys: conversation aggregates (nOffered per queue hop, tHandle = talk + hold + after-call
    work of answered hops). CXone: completed contacts per skill (offered = contacts, handle =
    agent + hold + after-call-work seconds of the contacts not abandoned).
-#}

with

genesys_intervals as (

    select * from {{ ref('stg_genesys__queue_intervals') }}

),

cxone_contacts as (

    select * from {{ ref('stg_cxone__contacts') }}

),

genesys as (

    select
        'genesys' as platform,
        queue_id,
        {{ iso_week_start('interval_date') }} as week_start,
        sum(n_offered) as actual_offered,
        sum(t_handle_count) as handled_count,
        sum(t_handle_sum_ms) as handle_ms
    from genesys_intervals
    group by 1, 2, 3

),

cxone as (

    select
        'cxone' as platform,
        skill_id as queue_id,
        {{ iso_week_start('contact_date') }} as week_start,
        count(*) as actual_offered,
        sum(case when is_abandoned then 0 else 1 end) as handled_count,
        sum(
            case
                when is_abandoned then 0
                else (agent_seconds + hold_seconds + acw_seconds) * 1000
            end
        ) as handle_ms
    from cxone_contacts
    group by 1, 2, 3

),

final as (

    select * from genesys
    union all
    select * from cxone

)

select * from final
