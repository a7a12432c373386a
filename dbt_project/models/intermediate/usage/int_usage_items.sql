{#-
    Every billable usage item, unrated and unattributed, with its conversation context.

    Grain (one row per):
      - Genesys voice: carrier leg = a customer or external voice session with a carrier (provider)
        and a positive duration (chat/callback/message sessions carry a provider too but are not
        telephony) (the PSTN/BYOC leg the carrier bills; agent WebRTC legs are not
        billed). queue_id = the conversation's final ACD queue (where the call was when the leg
        ended), originating_queue_id = its first ACD queue.
      - CXone voice: contact (each transfer leg is its own contact and is billed on its own);
        queue_id = the contact's skill, originating_queue_id = the master contact's first skill.
      - transcription: Genesys conversation with transcription_ms > 0.
      - wem_evaluation: Genesys evaluation.
      - provisional voice: Genesys queue interval flagged is_provisional (details not pulled yet);
        its handle time is rated as one aggregated leg.

    int_conversations is read where it is joined, not through a shared CTE: DuckDB would
    materialise such a CTE (every conversation, every column) before the joins.
-#}

with

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

evaluations as (

    select * from {{ ref('stg_genesys__evaluations') }}

),

contacts as (

    select * from {{ ref('stg_cxone__contacts') }}

),

queue_intervals as (

    select * from {{ ref('stg_genesys__queue_intervals') }}

),


genesys_voice as (

    select
        'genesys' as platform,
        'voice' as usage_type,
        sessions.session_id as source_record_id,
        sessions.conversation_id,
        sessions.session_start as usage_start,
        sessions.session_date as usage_date,
        conversations.final_queue_id as queue_id,
        conversations.originating_queue_id,
        conversations.final_user_id as user_id,
        conversations.campaign_id as campaign,
        sessions.carrier,
        sessions.direction,
        sessions.number_type,
        sessions.duration_ms,
        conversations.explicit_cost_center,
        false as is_provisional
    from sessions
    left join {{ ref('int_conversations') }} as conversations
        on sessions.conversation_id = conversations.conversation_id
            and conversations.platform = 'genesys'
    where sessions.carrier is not null
        and sessions.media_type = 'voice'
        and sessions.purpose in ('customer', 'external')
        and sessions.duration_ms > 0

),

cxone_voice as (

    select
        'cxone' as platform,
        'voice' as usage_type,
        contacts.contact_id as source_record_id,
        contacts.master_contact_id as conversation_id,
        contacts.contact_start as usage_start,
        contacts.contact_date as usage_date,
        contacts.skill_id as queue_id,
        conversations.originating_queue_id,
        contacts.agent_id as user_id,
        contacts.campaign_id as campaign,
        contacts.carrier,
        contacts.direction,
        contacts.number_type,
        contacts.duration_ms,
        conversations.explicit_cost_center,
        false as is_provisional
    from contacts
    left join {{ ref('int_conversations') }} as conversations
        on contacts.master_contact_id = conversations.conversation_id
            and conversations.platform = 'cxone'
    where contacts.is_voice
        and contacts.duration_ms > 0

),

transcription as (

    select
        'genesys' as platform,
        'transcription' as usage_type,
        conversation_id as source_record_id,
        conversation_id,
        conversation_start as usage_start,
        conversation_date as usage_date,
        final_queue_id as queue_id,
        originating_queue_id,
        final_user_id as user_id,
        campaign_id as campaign,
        cast(null as varchar) as carrier,
        cast(null as varchar) as direction,
        cast(null as varchar) as number_type,
        transcription_ms as duration_ms,
        explicit_cost_center,
        false as is_provisional
    from {{ ref('int_conversations') }}
    where platform = 'genesys'
        and transcription_ms > 0

),

wem_evaluations as (

    select
        'genesys' as platform,
        'wem_evaluation' as usage_type,
        evaluations.evaluation_id as source_record_id,
        evaluations.conversation_id,
        evaluations.evaluated_at as usage_start,
        evaluations.evaluated_date as usage_date,
        conversations.final_queue_id as queue_id,
        conversations.originating_queue_id,
        evaluations.user_id,
        conversations.campaign_id as campaign,
        cast(null as varchar) as carrier,
        cast(null as varchar) as direction,
        cast(null as varchar) as number_type,
        cast(null as bigint) as duration_ms,
        conversations.explicit_cost_center,
        false as is_provisional
    from evaluations
    left join {{ ref('int_conversations') }} as conversations
        on evaluations.conversation_id = conversations.conversation_id
            and conversations.platform = 'genesys'

),

provisional_voice as (

    select
        'genesys' as platform,
        'voice' as usage_type,
        queue_interval_id as source_record_id,
        cast(null as varchar) as conversation_id,
        interval_start as usage_start,
        interval_date as usage_date,
        queue_id,
        queue_id as originating_queue_id,
        cast(null as varchar) as user_id,
        cast(null as varchar) as campaign,
        cast('{{ var("provisional_carrier") }}' as varchar) as carrier,
        cast('{{ var("provisional_direction") }}' as varchar) as direction,
        cast('{{ var("provisional_number_type") }}' as varchar) as number_type,
        t_handle_sum_ms as duration_ms,
        cast(null as varchar) as explicit_cost_center,
        true as is_provisional
    from queue_intervals
    where is_provisional
        and media_type = 'voice'
        and t_handle_sum_ms > 0

),

unioned as (

    select * from genesys_voice
    union all
    select * from cxone_voice
    union all
    select * from transcription
    union all
    select * from wem_evaluations
    union all
    select * from provisional_voice

),

final as (

    select
        {{ surrogate_key(['platform', 'usage_type', 'source_record_id']) }} as usage_id,
        *
    from unioned

)

select * from final
