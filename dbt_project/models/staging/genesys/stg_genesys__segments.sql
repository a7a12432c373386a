with

source as (

    select * from {{ source('genesys', 'genesys_segments') }}

),

renamed as (

    select

        ----------  ids
        cast(segment_id as varchar) as segment_id,
        cast(conversation_id as varchar) as conversation_id,
        cast(session_id as varchar) as session_id,
        cast(queue_id as varchar) as queue_id,
        cast(user_id as varchar) as user_id,

        ----------  attributes
        cast(segment_index as integer) as segment_index,
        cast(segment_type as varchar) as segment_type,
        cast(purpose as varchar) as purpose,
        cast(wrapup_code as varchar) as wrapup_code,
        cast(disconnect_type as varchar) as disconnect_type,

        ----------  timestamps
        segment_start,
        segment_end,
        {{ duration_ms('segment_start', 'segment_end') }} as duration_ms

    from source

)

select * from renamed
