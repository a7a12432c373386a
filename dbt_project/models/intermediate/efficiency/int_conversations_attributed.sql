{#-
    One row per interaction (Genesys conversation, CXone master contact) with the cost center
    the attribution rules give it on its start date, for interactions that have no billable
    usage item (chats, messages, emails): the same precedence as int_usage_items_attributed
    (var('attribution_precedence'), macros/attribution.sql). Keys: the conversation's explicit
    attribute, originating and final queue, campaign; a manual attribution keyed by the
    conversation id.
-#}

with

conversations as (

    select * from {{ ref('int_conversations') }}

),

mappings_daily as (

    select * from {{ ref('int_cost_center_mappings_daily') }}

),

manual_attributions as (

    select * from {{ ref('stg_config__manual_attributions') }}

),

cost_centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

conversation_keys as (

    select
        platform,
        conversation_id,
        conversation_id as source_record_id,
        conversation_date as usage_date,
        explicit_cost_center,
        originating_queue_id,
        final_queue_id as queue_id,
        campaign_id as campaign,
        -- carried through for int_interactions (one pass over the conversations, no self-join)
        conversation_date,
        media_type,
        is_voice,
        final_queue_id,
        wrapup_code,
        is_abandoned,
        talk_ms,
        hold_ms,
        acw_ms
    from conversations

),

joined as (

    {{ attribution_lookups('conversation_keys') }}

),

attributed as (

    select
        *,
        {{ attribution_columns() }}
    from joined

),

final as (

    select
        {{ surrogate_key(['platform', 'conversation_id']) }} as interaction_id,
        platform,
        conversation_id,
        cost_center,
        attribution_method,
        mapping_version,
        conversation_date,
        media_type,
        is_voice,
        originating_queue_id,
        final_queue_id,
        wrapup_code,
        is_abandoned,
        talk_ms,
        hold_ms,
        acw_ms
    from attributed

)

select * from final
