with

states as (

    select * from {{ source('cxone_wfm', 'cxone_agent_state_history') }}

),

final as (

    select
        cast(agent_id as varchar) as agent_id,
        start_date,
        {{ utc_date('start_date') }} as state_date,
        cast(agent_state_id as bigint) as agent_state_id,
        agent_state_name,
        nullif(cast(skill_id as varchar), '0') as skill_id,
        cast(round(duration_seconds * 1000) as bigint) as duration_ms,
        case
            when agent_state_name like '%Contact' or agent_state_name like '%Consult' then 'interacting'
            when agent_state_name = 'Available' then 'available'
            else 'other'
        end as state_class
    from states

)

select * from final
