with

planning_groups as (

    select * from {{ source('genesys_wfm', 'genesys_wfm_planning_groups') }}

),

final as (

    select
        planning_group_id,
        queue_id,
        business_unit_id,
        name as planning_group_name
    from planning_groups

)

select * from final
