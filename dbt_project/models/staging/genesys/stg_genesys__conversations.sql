with

source as (

    {#- the platform may never have been ingested here (an org on the other platform only) -#}
    {{ optional_source('genesys', 'genesys_conversations', [
        ['conversation_id', 'varchar'], ['division_id', 'varchar'], ['campaign_id', 'varchar'],
        ['originating_direction', 'varchar'], ['media_type', 'varchar'],
        ['cost_center', 'varchar'], ['final_wrapup_code', 'varchar'],
        ['transcription_ms', 'bigint'], ['is_late', 'boolean'],
        ['conversation_start', 'timestamp with time zone'],
        ['conversation_end', 'timestamp with time zone']
    ]) }}

),

renamed as (

    select

        ----------  ids
        cast(conversation_id as varchar) as conversation_id,
        cast(division_id as varchar) as division_id,
        cast(campaign_id as varchar) as campaign_id,

        ----------  attributes
        cast(originating_direction as varchar) as originating_direction,
        cast(media_type as varchar) as media_type,
        nullif(trim(cast(cost_center as varchar)), '') as cost_center,
        cast(final_wrapup_code as varchar) as final_wrapup_code,
        cast(coalesce(transcription_ms, 0) as bigint) as transcription_ms,
        coalesce(cast(is_late as boolean), false) as is_late,

        ----------  timestamps
        conversation_start,
        conversation_end,
        {{ utc_date('conversation_start') }} as conversation_date

    from source

)

select * from renamed
