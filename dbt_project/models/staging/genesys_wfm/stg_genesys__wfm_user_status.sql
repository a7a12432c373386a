with

status as (

    select * from {{ source('genesys_wfm', 'genesys_user_status_intervals') }}

),

final as (

    select
        user_id,
        interval_start,
        interval_end,
        upper(routing_status) as routing_status,
        cast(duration_ms as bigint) as duration_ms
    from status

)

select * from final
