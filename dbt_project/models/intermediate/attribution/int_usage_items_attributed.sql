{#-
    Cost-center attribution of every usage item (mapping effective on usage_date). Precedence:
      1 manual        a reviewed row in raw.manual_attributions for the source record
      2 direct        the conversation's explicit cost_center attribute
      3 direct /      the originating (first ACD) queue's cost center: direct on the originating
        inherited     queue itself, inherited by every overflow / fallback / transfer queue after it
      4 parent_default the originating queue has no cost center of its own (a fallback queue
                      entered first): its parent_queue_id chain's cost center (multi-hop)
      5 direct / parent_default  no usable originating queue: the item's own queue, then its parents
      6 campaign      the campaign's mapping
      7 unattributed  cost center UNATTRIBUTED (listed in reconciliation_queue)
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
        case
            when manual_cost_center is not null then 'manual'
            when registered_explicit_cost_center is not null then 'direct'
            when originating_cost_center is not null
                then
                    case
                        when queue_id is null or queue_id = originating_queue_id then 'direct'
                        else 'inherited'
                    end
            when originating_parent_cost_center is not null then 'parent_default'
            when queue_cost_center is not null then 'direct'
            when queue_parent_cost_center is not null then 'parent_default'
            when campaign_cost_center is not null then 'campaign'
            else 'unattributed'
        end as attribution_method,
        coalesce(
            manual_cost_center,
            registered_explicit_cost_center,
            originating_cost_center,
            originating_parent_cost_center,
            queue_cost_center,
            queue_parent_cost_center,
            campaign_cost_center,
            '{{ var("unattributed_cost_center") }}'
        ) as cost_center,
        case
            when manual_cost_center is not null
                then coalesce('manual:' || manual_batch_id, 'manual')
            when registered_explicit_cost_center is not null then 'conversation_attribute'
            when originating_cost_center is not null then originating_mapping_version
            when originating_parent_cost_center is not null then originating_parent_mapping_version
            when queue_cost_center is not null then queue_mapping_version
            when queue_parent_cost_center is not null then queue_parent_mapping_version
            when campaign_cost_center is not null then campaign_mapping_version
            else 'no_mapping'
        end as mapping_version
    from joined

)

select * from attributed
