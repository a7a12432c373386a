with

source as (

    {#- the platform may never have been ingested here (an org on the other platform only) -#}
    {{ optional_source('genesys', 'genesys_evaluations', [
        ['evaluation_id', 'varchar'], ['conversation_id', 'varchar'], ['user_id', 'varchar'],
        ['total_score', 'double precision'], ['evaluated_at', 'timestamp with time zone']
    ]) }}

),

renamed as (

    select

        ----------  ids
        cast(evaluation_id as varchar) as evaluation_id,
        cast(conversation_id as varchar) as conversation_id,
        cast(user_id as varchar) as user_id,

        ----------  measures
        cast(total_score as decimal(9, 4)) as total_score,

        ----------  timestamps
        evaluated_at,
        {{ utc_date('evaluated_at') }} as evaluated_date

    from source

)

select * from renamed
