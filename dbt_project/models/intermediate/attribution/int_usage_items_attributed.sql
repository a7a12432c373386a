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

    {{ attribution_lookups('usage_items') }}

),

attributed as (

    select
        *,
        {{ attribution_columns() }}
    from joined

)

select * from attributed
