{{
    config(
        materialized='incremental',
        incremental_strategy='window_replace',
        window_column='conversation_date',
        on_schema_change='fail',
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
        where conversation_date >= {{ window_start }}
    {% endif %}

),

genesys_segments as (

    select * from {{ ref('stg_genesys__segments') }}
    {% if is_incremental() %}
        where {{ utc_date('segment_start') }} >= {{ window_start }}
    {% endif %}

),

cxone_contacts as (

    select * from {{ ref('stg_cxone__contacts') }}

),

-- Genesys: the ACD queue path = acd segments ordered by start, consecutive repeats collapsed
acd_steps as (

    select
        conversation_id,
        queue_id,
        segment_start,
        segment_id,
        lag(queue_id) over (
            partition by conversation_id
            order by segment_start, segment_id
        ) as previous_queue_id
    from genesys_segments
    where purpose = 'acd' and queue_id is not null

),

acd_path_steps as (

    select
        conversation_id,
        queue_id,
        row_number() over (
            partition by conversation_id
            order by segment_start, segment_id
        ) as step_asc,
        row_number() over (
            partition by conversation_id
            order by segment_start desc, segment_id desc
        ) as step_desc
    from acd_steps
    where previous_queue_id is null or previous_queue_id <> queue_id

),

acd_paths as (

    select
        conversation_id,
        max(case when step_asc = 1 then queue_id end) as originating_queue_id,
        max(case when step_desc = 1 then queue_id end) as final_queue_id,
        count(*) as queue_hops,
        string_agg(queue_id, ' > ' order by step_asc) as queue_path
    from acd_path_steps
    group by 1

),

agent_steps as (

    select
        conversation_id,
        user_id,
        segment_type,
        duration_ms,
        row_number() over (
            partition by conversation_id
            order by segment_start desc, segment_id desc
        ) as step_desc
    from genesys_segments
    where purpose = 'agent'

),

agent_work as (

    select
        conversation_id,
        max(case when step_desc = 1 then user_id end) as final_user_id,
        sum(case when segment_type = 'interact' then duration_ms else 0 end) as talk_ms,
        sum(case when segment_type = 'hold' then duration_ms else 0 end) as hold_ms,
        sum(case when segment_type = 'wrapup' then duration_ms else 0 end) as acw_ms
    from agent_steps
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
        acd_paths.queue_path,
        coalesce(acd_paths.queue_hops, 0) as queue_hops,
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

    select
        contacts.*,
        lag(contacts.skill_id) over (
            partition by contacts.master_contact_id
            order by contacts.contact_start, contacts.contact_id
        ) as previous_skill_id,
        row_number() over (
            partition by contacts.master_contact_id
            order by contacts.contact_start, contacts.contact_id
        ) as step_asc,
        row_number() over (
            partition by contacts.master_contact_id
            order by contacts.contact_start desc, contacts.contact_id desc
        ) as step_desc
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
        max(case when step_asc = 1 then direction end) as direction,
        max(case when step_asc = 1 then media_type end) as media_type,
        max(case when is_voice then 1 else 0 end) = 1 as is_voice,
        cast(null as varchar) as explicit_cost_center,
        max(campaign_id) as campaign_id,
        max(case when step_asc = 1 then skill_id end) as originating_queue_id,
        max(case when step_desc = 1 then skill_id end) as final_queue_id,
        string_agg(
            case
                when previous_skill_id is null or previous_skill_id <> skill_id then skill_id
            end,
            ' > ' order by step_asc
        ) as queue_path,
        sum(
            case when previous_skill_id is null or previous_skill_id <> skill_id then 1 else 0 end
        ) as queue_hops,
        max(case when step_desc = 1 then agent_id end) as final_user_id,
        max(case when step_desc = 1 then disposition end) as wrapup_code,
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
