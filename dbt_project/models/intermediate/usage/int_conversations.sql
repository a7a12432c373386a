{{
    config(
        materialized='incremental',
        incremental_strategy='window_replace',
        window_column='conversation_date',
        on_schema_change='fail',
        pre_hook="{{ clear_incremental_window() }}",
    )
}}

{#- One row per conversation on either platform, with its ACD queue path. -#}
{%- if is_incremental() -%}
    {%- set window_start = incremental_window_start(this) -%}
{%- endif %}

with

genesys_conversations as (

    select * from {{ ref('stg_genesys__conversations') }}
    {% if is_incremental() %}
        where conversation_start >= {{ utc_day_start(window_start) }}
    {% endif %}

),


cxone_contacts as (

    select * from {{ ref('stg_cxone__contacts') }}
    {% if is_incremental() %}
        -- transfer legs follow their first contact within minutes: one day of margin is ample
        where contact_start >= {{ utc_day_start(dbt.dateadd('day', -1, window_start)) }}
    {% endif %}

),

-- Genesys: originating = first ACD queue, final = last ACD queue (acd segments by start)
acd_paths as (

    select
        conversation_id,
        {{ first_by('queue_id', 'segment_start') }} as originating_queue_id,
        {{ last_by('queue_id', 'segment_start') }} as final_queue_id
    -- each aggregate scans the segments itself (a shared CTE would be materialised in full)
    from {{ ref('stg_genesys__segments') }}
    where purpose = 'acd' and queue_id is not null
    {% if is_incremental() %}
        and segment_start >= {{ utc_day_start(window_start) }}
    {% endif %}
    group by 1

),

agent_work as (

    select
        conversation_id,
        {{ last_by('user_id', 'segment_start') }} as final_user_id,
        sum(case when segment_type = 'interact' then duration_ms else 0 end) as talk_ms,
        sum(case when segment_type = 'hold' then duration_ms else 0 end) as hold_ms,
        sum(case when segment_type = 'wrapup' then duration_ms else 0 end) as acw_ms
    from {{ ref('stg_genesys__segments') }}
    where purpose = 'agent'
    {% if is_incremental() %}
        and segment_start >= {{ utc_day_start(window_start) }}
    {% endif %}
    group by 1

),

genesys as (

    select
        'genesys' as platform,
        conversations.conversation_id,
        conversations.conversation_start,
        conversations.conversation_end,
        conversations.conversation_date,
        conversations.originating_direction as direction,
        conversations.media_type,
        conversations.media_type in ('voice', 'callback') as is_voice,
        conversations.cost_center as explicit_cost_center,
        conversations.campaign_id,
        acd_paths.originating_queue_id,
        acd_paths.final_queue_id,
        agent_work.final_user_id,
        conversations.final_wrapup_code as wrapup_code,
        agent_work.final_user_id is null as is_abandoned,
        coalesce(agent_work.talk_ms, 0) as talk_ms,
        coalesce(agent_work.hold_ms, 0) as hold_ms,
        coalesce(agent_work.acw_ms, 0) as acw_ms,
        conversations.transcription_ms
    from genesys_conversations as conversations
    left join acd_paths
        on conversations.conversation_id = acd_paths.conversation_id
    left join agent_work
        on conversations.conversation_id = agent_work.conversation_id

),

-- CXone: a conversation is a master contact; its contacts (transfers) form the skill path
cxone_masters as (

    select master_contact_id
    from cxone_contacts
    group by 1
    {% if is_incremental() %}
        having min(contact_date) >= {{ window_start }}
    {% endif %}

),

cxone_steps as (

    select contacts.*
    from cxone_contacts as contacts
    inner join cxone_masters
        on contacts.master_contact_id = cxone_masters.master_contact_id

),

cxone as (

    select
        'cxone' as platform,
        master_contact_id as conversation_id,
        min(contact_start) as conversation_start,
        max(contact_end) as conversation_end,
        min(contact_date) as conversation_date,
        {{ first_by('direction', 'contact_start') }} as direction,
        {{ first_by('media_type', 'contact_start') }} as media_type,
        max(case when is_voice then 1 else 0 end) = 1 as is_voice,
        cast(null as varchar) as explicit_cost_center,
        max(campaign_id) as campaign_id,
        {{ first_by('skill_id', 'contact_start') }} as originating_queue_id,
        {{ last_by('skill_id', 'contact_start') }} as final_queue_id,
        {{ last_by('agent_id', 'contact_start') }} as final_user_id,
        {{ last_by('disposition', 'contact_start') }} as wrapup_code,
        min(case when is_abandoned then 1 else 0 end) = 1 as is_abandoned,
        sum(agent_seconds) * 1000 as talk_ms,
        sum(hold_seconds) * 1000 as hold_ms,
        sum(acw_seconds) * 1000 as acw_ms,
        cast(0 as bigint) as transcription_ms
    from cxone_steps
    group by 2

),

unioned as (

    select * from genesys
    union all
    select * from cxone

)

select * from unioned
