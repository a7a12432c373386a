with

source as (

    select * from {{ source('config', 'manual_attributions') }}

),

renamed as (

    select

        ----------  ids
        cast(source_record_id as varchar) as source_record_id,
        cast(batch_id as varchar) as batch_id,

        ----------  attributes
        nullif(trim(cast(cost_center as varchar)), '') as cost_center,
        cast(attributed_by as varchar) as attributed_by,
        cast(reason as varchar) as reason,

        ----------  timestamps
        attributed_at

    from source

)

select * from renamed
