with

members as (

    select * from {{ source('genesys_wfm', 'genesys_queue_members') }}

),

final as (

    select
        queue_id,
        user_id,
        joined
    from members

)

select * from final
