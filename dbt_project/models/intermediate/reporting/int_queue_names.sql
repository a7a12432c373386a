with

mappings as (

    select * from {{ ref('stg_config__cost_center_mappings') }}

),

named_queues as (

    select
        mapping_key as queue_id,
        key_name as queue_name,
        effective_from,
        mapping_id
    from mappings
    where key_type = 'queue' and key_name is not null

),

final as (

    select
        queue_id,
        {{ last_by('queue_name', 'effective_from') }} as queue_name
    from named_queues
    group by 1

)

select * from final
