with

source as (

    select * from {{ source('config', 'config_cost_center_mappings') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['platform', 'key_type', 'key', 'effective_from']) }} as mapping_id,
        cast(platform as varchar) as platform,
        cast(key_type as varchar) as key_type,
        cast(key as varchar) as mapping_key,
        cast(parent_queue_id as varchar) as parent_queue_id,

        ----------  attributes
        cast(key_name as varchar) as key_name,
        nullif(trim(cast(cost_center as varchar)), '') as cost_center,
        cast(weight as decimal(18, 6)) as weight,

        ----------  effective dating
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,

        ----------  versions
        cast(mapping_version as varchar) as mapping_version,
        cast(registry_version as varchar) as registry_version,
        loaded_at

    from source

)

select * from renamed
