with

source as (

    {#- the platform may never have been ingested here (an org on the other platform only) -#}
    {{ optional_source('genesys', 'genesys_queue_intervals', [
        ['queue_id', 'varchar'], ['media_type', 'varchar'], ['is_provisional', 'boolean'],
        ['n_offered', 'bigint'], ['n_answered', 'bigint'], ['t_handle_count', 'bigint'],
        ['t_handle_sum_ms', 'bigint'], ['t_talk_sum_ms', 'bigint'], ['t_acw_sum_ms', 'bigint'],
        ['interval_start', 'timestamp with time zone'],
        ['interval_end', 'timestamp with time zone']
    ]) }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['queue_id', 'interval_start', 'media_type']) }} as queue_interval_id,
        cast(queue_id as varchar) as queue_id,

        ----------  attributes
        cast(media_type as varchar) as media_type,
        coalesce(cast(is_provisional as boolean), false) as is_provisional,

        ----------  measures
        cast(coalesce(n_offered, 0) as bigint) as n_offered,
        cast(coalesce(n_answered, 0) as bigint) as n_answered,
        cast(coalesce(t_handle_count, 0) as bigint) as t_handle_count,
        cast(coalesce(t_handle_sum_ms, 0) as bigint) as t_handle_sum_ms,
        cast(coalesce(t_talk_sum_ms, 0) as bigint) as t_talk_sum_ms,
        cast(coalesce(t_acw_sum_ms, 0) as bigint) as t_acw_sum_ms,

        ----------  timestamps
        interval_start,
        interval_end,
        {{ utc_date('interval_start') }} as interval_date

    from source

)

select * from renamed
