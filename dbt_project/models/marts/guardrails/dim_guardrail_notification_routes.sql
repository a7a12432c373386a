{#- The receiver's audience per cost center: the owner's routes hear about the cost centers they own,
    finance routes about every cost center (issue 13: each owner hears about their own cost). -#}
with

routes as (

    select * from {{ ref('stg_config__notification_routes') }}

),

cost_centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

owner_routes as (

    select
        routes.notification_route_id,
        routes.recipient,
        routes.route_scope,
        routes.target_env,
        cost_centers.cost_center
    from routes
    inner join cost_centers
        on routes.recipient = cost_centers.owner
    where routes.route_scope = 'owner'

),

finance_routes as (

    select
        routes.notification_route_id,
        routes.recipient,
        routes.route_scope,
        routes.target_env,
        cost_centers.cost_center
    from routes
    cross join cost_centers
    where routes.route_scope = 'finance'

),

audience as (

    select * from owner_routes
    union all
    select * from finance_routes

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
