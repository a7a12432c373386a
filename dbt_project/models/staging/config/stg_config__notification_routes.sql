with

source as (

    {{ optional_source('config', 'config_notification_routes', [
        ['recipient', 'varchar'], ['scope', 'varchar'], ['target_env', 'varchar']
    ]) }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['recipient', 'target_env']) }} as notification_route_id,
        cast(recipient as varchar) as recipient,

        ----------  routing
        cast(scope as varchar) as route_scope,
        cast(target_env as varchar) as target_env

    from source

)

select * from renamed
