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
        campaign_id as campaign
    from conversations

),

joined as (

    select
        conversation_keys.*,
        manual_cost_centers.cost_center as manual_cost_center,
        explicit_cost_centers.cost_center as registered_explicit_cost_center,
        manual_attributions.batch_id as manual_batch_id,
        originating.cost_center as originating_cost_center,
        originating.mapping_version as originating_mapping_version,
        originating.resolved_cost_center as originating_parent_cost_center,
        originating.resolved_mapping_version as originating_parent_mapping_version,
        handling.cost_center as queue_cost_center,
        handling.mapping_version as queue_mapping_version,
        handling.resolved_cost_center as queue_parent_cost_center,
        handling.resolved_mapping_version as queue_parent_mapping_version,
        campaigns.cost_center as campaign_cost_center,
        campaigns.mapping_version as campaign_mapping_version
    from conversation_keys
    left join manual_attributions
        on conversation_keys.source_record_id = manual_attributions.source_record_id
    left join cost_centers as manual_cost_centers
        on manual_attributions.cost_center = manual_cost_centers.cost_center
    left join cost_centers as explicit_cost_centers
        on conversation_keys.explicit_cost_center = explicit_cost_centers.cost_center
    left join mappings_daily as originating
        on conversation_keys.platform = originating.platform
            and originating.key_type = 'queue'
            and conversation_keys.originating_queue_id = originating.mapping_key
            and conversation_keys.usage_date = originating.date_day
    left join mappings_daily as handling
        on conversation_keys.platform = handling.platform
            and handling.key_type = 'queue'
            and conversation_keys.queue_id = handling.mapping_key
            and conversation_keys.usage_date = handling.date_day
    left join mappings_daily as campaigns
        on conversation_keys.platform = campaigns.platform
            and campaigns.key_type = 'campaign'
            and conversation_keys.campaign = campaigns.mapping_key
            and conversation_keys.usage_date = campaigns.date_day

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
        mapping_version
    from attributed

)

select * from final
