{#-
    Cost-center attribution of every usage item (mapping effective on usage_date). The
    precedence is var('attribution_precedence') in dbt_project.yml, most specific first (default:
    manual, explicit, campaign, originating_queue, originating_queue_parent, queue, queue_parent);
    macros/attribution.sql generates the case / coalesce from it, so the order lives once.
      manual          a reviewed row in raw.manual_attributions for the source record
      explicit        the conversation's explicit cost_center attribute ('direct')
      campaign        the campaign's mapping (the IVR passes both queue and campaign: the
                      campaign is the more specific key)
      originating_queue  the originating (first ACD) queue's cost center: 'direct' on the
                      originating queue itself, 'inherited' on every overflow / fallback /
                      transfer queue after it
      originating_queue_parent  the originating queue has no cost center of its own: its
                      parent_queue_id chain's cost center (multi-hop, 'parent_default')
      queue, queue_parent  no usable originating queue: the item's own queue, then its parents
      otherwise       cost center UNATTRIBUTED (listed in reconciliation_queue)
    Manual and explicit cost centers count only when registered in config_cost_centers (an
    unknown explicit attribute is listed in reconciliation_queue as unknown_cost_center).
    mapping_version = the version of the mapping row used; 'manual:<batch_id>' for manual,
    'conversation_attribute' for an explicit attribute, 'no_mapping' when unattributed (stable
    labels, so a registry reload that does not touch a period leaves its rows unchanged).
-#}

with

usage_items as (

    select * from {{ ref('int_usage_items') }}

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

joined as (

    select
        usage_items.*,
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
    from usage_items
    left join manual_attributions
        on usage_items.source_record_id = manual_attributions.source_record_id
    left join cost_centers as manual_cost_centers
        on manual_attributions.cost_center = manual_cost_centers.cost_center
    left join cost_centers as explicit_cost_centers
        on usage_items.explicit_cost_center = explicit_cost_centers.cost_center
    left join mappings_daily as originating
        on usage_items.platform = originating.platform
            and originating.key_type = 'queue'
            and usage_items.originating_queue_id = originating.mapping_key
            and usage_items.usage_date = originating.date_day
    left join mappings_daily as handling
        on usage_items.platform = handling.platform
            and handling.key_type = 'queue'
            and usage_items.queue_id = handling.mapping_key
            and usage_items.usage_date = handling.date_day
    left join mappings_daily as campaigns
        on usage_items.platform = campaigns.platform
            and campaigns.key_type = 'campaign'
            and usage_items.campaign = campaigns.mapping_key
            and usage_items.usage_date = campaigns.date_day

),

attributed as (

    select
        *,
        {{ attribution_columns() }}
    from joined

)

select * from attributed
