with

status as (

    select * from {{ source('wfm', 'wfm_source_status') }}

),

final as (

    select
        platform,
        resource,
        status,
        reason,
        checked_at
    from status

)

select * from final
