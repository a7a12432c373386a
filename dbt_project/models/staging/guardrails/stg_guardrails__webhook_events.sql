{#-
    raw.webhook_events exists only once the spool pipeline ran (ingestion/spool): on a warehouse
    without it this view is empty, with the same columns.
-#}
with

source as (

    {{ optional_source('guardrails', 'webhook_events', [
        ['event_id', 'varchar'], ['event_type', 'varchar'], ['platform', 'varchar'],
        ['queue_id', 'varchar'], ['cost_center', 'varchar'], ['duration_ms', 'bigint'],
        ['event_time', 'timestamp with time zone'], ['received_at', 'timestamp with time zone'],
        ['decision', 'varchar'], ['policy_version', 'varchar']
    ]) }}

),

renamed as (

    select

        ----------  ids
        cast(event_id as varchar) as event_id,
        cast(queue_id as varchar) as queue_id,

        ----------  attributes
        cast(event_type as varchar) as event_type,
        cast(platform as varchar) as platform,
        cast(cost_center as varchar) as cost_center,
        cast(decision as varchar) as decision,
        cast(policy_version as varchar) as policy_version,

        ----------  measures
        cast(duration_ms as bigint) as duration_ms,

        ----------  timestamps
        event_time,
        received_at,
        {{ utc_date('event_time') }} as event_date

    from source

)

select * from renamed
