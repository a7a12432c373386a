{#- The receiver's audience per cost center: the owner's routes hear about the cost centers they own,
    finance routes about every cost center (issue 13: each owner hears about their own cost). -#}
with

routes as (

    select * from {{ ref('stg_config__notification_routes') }}

),

cost_centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

audience as (

    select
        routes.notification_route_id,
        routes.recipient,
        routes.route_scope,
        routes.target_env,
        cost_centers.cost_center
    from routes
    inner join cost_centers
        on
            routes.route_scope = 'finance'
            or (routes.route_scope = 'owner' and routes.recipient = cost_centers.owner)

),

final as (

    select
        {{ surrogate_key(['notification_route_id', 'cost_center']) }} as route_cost_center_id,
        cost_center,
        recipient,
        route_scope,
        target_env
    from audience

)

select * from final
