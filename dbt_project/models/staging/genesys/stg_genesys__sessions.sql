with

source as (

    {#- the platform may never have been ingested here (an org on the other platform only) -#}
    {{ optional_source('genesys', 'genesys_sessions', [
        ['session_id', 'varchar'], ['conversation_id', 'varchar'],
        ['participant_id', 'varchar'], ['protocol_call_id', 'varchar'], ['user_id', 'varchar'],
        ['purpose', 'varchar'], ['media_type', 'varchar'], ['direction', 'varchar'],
        ['provider', 'varchar'], ['ani', 'varchar'], ['dnis', 'varchar'],
        ['session_start', 'timestamp with time zone'],
        ['session_end', 'timestamp with time zone']
    ]) }}

),

renamed as (

    select

        ----------  ids
        cast(session_id as varchar) as session_id,
        cast(conversation_id as varchar) as conversation_id,
        cast(participant_id as varchar) as participant_id,
        cast(protocol_call_id as varchar) as sip_call_id,
        cast(user_id as varchar) as user_id,

        ----------  attributes
        cast(purpose as varchar) as purpose,
        cast(media_type as varchar) as media_type,
        cast(direction as varchar) as direction,
        {{ carrier_alias('genesys', "nullif(trim(cast(provider as varchar)), '')") }} as carrier,
        cast(ani as varchar) as ani,
        cast(dnis as varchar) as dnis,
        {{ number_type_from_number('coalesce(cast(dnis as varchar), cast(ani as varchar))') }}
            as number_type,

        ----------  timestamps
        session_start,
        session_end,
        {{ duration_ms('session_start', 'session_end') }} as duration_ms,
        {{ utc_date('session_start') }} as session_date

    from source

)

select * from renamed
