{#-
    The guardrail executor's mitigation actions (raw.guardrail_actions, loaded from
    <spool>/audit/actions.sqlite with the spool): one row per action in its current state. Empty,
    with the same columns, on a warehouse where the spool pipeline never loaded an action.
-#}
with

source as (

    {{ optional_source('guardrails', 'guardrail_actions', [
        ['action_id', 'varchar'], ['cost_center', 'varchar'], ['day', 'date'],
        ['mitigation', 'varchar'], ['kind', 'varchar'], ['target', 'varchar'],
        ['platform', 'varchar'], ['mode', 'varchar'], ['state', 'varchar'],
        ['policy_version', 'varchar'], ['trigger_event_id', 'varchar'], ['error', 'varchar'],
        ['created_at', 'timestamp with time zone'], ['updated_at', 'timestamp with time zone']
    ]) }}

),

renamed as (

    select

        ----------  ids
        cast(action_id as varchar) as action_id,
        cast(trigger_event_id as varchar) as trigger_event_id,

        ----------  attributes
        cast(cost_center as varchar) as cost_center,
        cast(day as date) as action_date,
        cast(mitigation as varchar) as mitigation,
        cast(kind as varchar) as mitigation_kind,
        cast(target as varchar) as target,
        cast(platform as varchar) as platform,
        cast(mode as varchar) as mode,
        cast(state as varchar) as state,
        cast(policy_version as varchar) as policy_version,
        cast(error as varchar) as error,

        ----------  timestamps
        created_at,
        updated_at

    from source

)

select * from renamed
