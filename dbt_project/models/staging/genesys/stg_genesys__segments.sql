with

source as (

    {#- the platform may never have been ingested here (an org on the other platform only) -#}
    {{ optional_source('genesys', 'genesys_segments', [
        ['segment_id', 'varchar'], ['conversation_id', 'varchar'], ['session_id', 'varchar'],
        ['queue_id', 'varchar'], ['user_id', 'varchar'], ['segment_index', 'integer'],
        ['segment_type', 'varchar'], ['purpose', 'varchar'], ['wrapup_code', 'varchar'],
        ['disconnect_type', 'varchar'], ['segment_start', 'timestamp with time zone'],
        ['segment_end', 'timestamp with time zone']
    ]) }}

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
