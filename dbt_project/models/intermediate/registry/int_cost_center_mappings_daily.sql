{{ config(materialized='table') }}

{#-
    The cost-center mapping in force per key and day (effective_from inclusive, effective_to
    exclusive; on overlap the latest effective_from wins). Queue keys also get their cost center
    resolved through the parent_queue_id chain (multi-hop) for fallback queues without one.
-#}

with recursive

mappings as (

    select * from {{ ref('stg_config__cost_center_mappings') }}

),

days as (

    select * from {{ ref('int_registry_days') }}

),

in_force as (

    select
        mappings.platform,
        mappings.key_type,
        mappings.mapping_key,
        days.date_day,
        mappings.cost_center,
        mappings.parent_queue_id,
        mappings.mapping_version,
        row_number() over (
            partition by mappings.platform, mappings.key_type, mappings.mapping_key, days.date_day
            order by mappings.effective_from desc
        ) as precedence
    from mappings
    inner join days
        on mappings.effective_from <= days.date_day
            and (mappings.effective_to is null or mappings.effective_to > days.date_day)

),

daily as (

    select
        platform,
        key_type,
        mapping_key,
        date_day,
        cost_center,
        parent_queue_id,
        mapping_version
    from in_force
    where precedence = 1

),

-- walk parent_queue_id upwards until a cost center is found (bounded against cycles)
chain (
    platform, mapping_key, date_day, current_key, cost_center, parent_queue_id, mapping_version, hops
) as (

    select
        platform,
        mapping_key,
        date_day,
        mapping_key as current_key,
        cost_center,
        parent_queue_id,
        mapping_version,
        0 as hops
    from daily
    where key_type = 'queue'

    union all

    select
        chain.platform,
        chain.mapping_key,
        chain.date_day,
        parent.mapping_key as current_key,
        parent.cost_center,
        parent.parent_queue_id,
        parent.mapping_version,
        chain.hops + 1
    from chain
    inner join daily as parent
        on chain.platform = parent.platform
            and parent.key_type = 'queue'
            and chain.parent_queue_id = parent.mapping_key
            and chain.date_day = parent.date_day
    where chain.cost_center is null and chain.hops < 10

),

resolved as (

    select
        platform,
        mapping_key,
        date_day,
        cost_center as resolved_cost_center,
        mapping_version as resolved_mapping_version,
        hops as resolved_hops,
        row_number() over (
            partition by platform, mapping_key, date_day
            order by hops
        ) as precedence
    from chain
    where cost_center is not null

),

final as (

    select
        {{ surrogate_key(['daily.platform', 'daily.key_type', 'daily.mapping_key', 'daily.date_day']) }}
            as mapping_day_id,
        daily.platform,
        daily.key_type,
        daily.mapping_key,
        daily.date_day,
        daily.cost_center,
        daily.parent_queue_id,
        daily.mapping_version,
        resolved.resolved_cost_center,
        resolved.resolved_mapping_version,
        resolved.resolved_hops
    from daily
    left join resolved
        on daily.platform = resolved.platform
            and daily.key_type = 'queue'
            and daily.mapping_key = resolved.mapping_key
            and daily.date_day = resolved.date_day
            and resolved.precedence = 1

)

select * from final
