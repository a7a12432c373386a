{#-
    The guardrail receiver's cost-center resolution table: one row per lookup the attribution rules
    (dim_guardrail_attribution_rules) can make, with the cost center it yields.
      manual        a reviewed manual attribution, by source_record_id (any day, any platform)
      cost_center   a registered cost center given explicitly on the event (any day, any platform)
      campaign      a campaign's mapping in force on the day
      queue         a queue's own cost center in force on the day
      queue_parent  a queue without a cost center of its own: its parent_queue_id chain's (multi-hop)
    The same tables int_usage_items_attributed joins (int_cost_center_mappings_daily,
    stg_config__manual_attributions, the registered cost centers), so the receiver and the warehouse
    resolve a usage item to the same cost center.
-#}

with

mappings_daily as (

    select * from {{ ref('int_cost_center_mappings_daily') }}

),

mappings as (

    select * from {{ ref('stg_config__cost_center_mappings') }}

),

manual_attributions as (

    select * from {{ ref('stg_config__manual_attributions') }}

),

cost_centers as (

    select * from {{ ref('dim_cost_centers') }}

),

-- the mapping row in force per key and day carries its weight (the cost-mapping endpoint shows it)
weights as (

    select
        mappings_daily.platform,
        mappings_daily.key_type,
        mappings_daily.mapping_key,
        mappings_daily.date_day,
        max(mappings.weight) as weight
    from mappings_daily
    inner join mappings
        on mappings_daily.platform = mappings.platform
            and mappings_daily.key_type = mappings.key_type
            and mappings_daily.mapping_key = mappings.mapping_key
            and mappings_daily.date_day >= mappings.effective_from
            and (mappings.effective_to is null or mappings_daily.date_day < mappings.effective_to)
            and coalesce(mappings_daily.mapping_version, '') = coalesce(mappings.mapping_version, '')
    group by 1, 2, 3, 4

),

lookups as (

    select
        'manual' as lookup_kind,
        cast(null as varchar) as platform,
        manual_attributions.source_record_id as lookup_key,
        cast(null as date) as date_day,
        manual_attributions.cost_center,
        coalesce('manual:' || manual_attributions.batch_id, 'manual') as mapping_version,
        cast(null as varchar) as resolved_via,
        cast(null as decimal(18, 6)) as weight
    from manual_attributions
    inner join cost_centers
        on manual_attributions.cost_center = cost_centers.cost_center
            and not cost_centers.is_system_member

    union all

    select
        'cost_center' as lookup_kind,
        cast(null as varchar) as platform,
        cost_center as lookup_key,
        cast(null as date) as date_day,
        cost_center,
        'conversation_attribute' as mapping_version,
        cast(null as varchar) as resolved_via,
        cast(null as decimal(18, 6)) as weight
    from cost_centers
    where not is_system_member

    union all

    select
        case when mappings_daily.key_type = 'campaign' then 'campaign' else 'queue' end as lookup_kind,
        mappings_daily.platform,
        mappings_daily.mapping_key as lookup_key,
        mappings_daily.date_day,
        mappings_daily.cost_center,
        mappings_daily.mapping_version,
        cast(null as varchar) as resolved_via,
        weights.weight
    from mappings_daily
    left join weights
        on mappings_daily.platform = weights.platform
            and mappings_daily.key_type = weights.key_type
            and mappings_daily.mapping_key = weights.mapping_key
            and mappings_daily.date_day = weights.date_day
    where mappings_daily.cost_center is not null
        and mappings_daily.key_type in ('campaign', 'queue')

    union all

    select
        'queue_parent' as lookup_kind,
        mappings_daily.platform,
        mappings_daily.mapping_key as lookup_key,
        mappings_daily.date_day,
        mappings_daily.resolved_cost_center as cost_center,
        mappings_daily.resolved_mapping_version as mapping_version,
        mappings_daily.parent_queue_id as resolved_via,
        weights.weight
    from mappings_daily
    left join weights
        on mappings_daily.platform = weights.platform
            and mappings_daily.key_type = weights.key_type
            and mappings_daily.mapping_key = weights.mapping_key
            and mappings_daily.date_day = weights.date_day
    where mappings_daily.key_type = 'queue'
        and mappings_daily.cost_center is null
        and mappings_daily.resolved_cost_center is not null

),

final as (

    select
        {{ surrogate_key(['lookup_kind', 'platform', 'lookup_key', 'date_day']) }} as lookup_id,
        lookup_kind,
        platform,
        lookup_key,
        date_day,
        cost_center,
        mapping_version,
        resolved_via,
        weight
    from lookups

)

select * from final
