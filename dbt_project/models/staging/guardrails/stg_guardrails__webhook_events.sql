{#-
    raw.webhook_events exists only once the spool pipeline ran (ingestion/spool): on a warehouse
    without it this view is empty, with the same columns.
-#}
{%- set events_source = source('guardrails', 'webhook_events') %}
{%- set events_relation = load_relation(events_source) if execute else none %}

with

{% if events_relation is not none -%}
source as (

    select * from {{ events_source }}

),
{%- else -%}
    source as (

        select
            cast(null as varchar) as event_id,
            cast(null as varchar) as event_type,
            cast(null as varchar) as platform,
            cast(null as varchar) as queue_id,
            cast(null as varchar) as cost_center,
            cast(null as bigint) as duration_ms,
            cast(null as timestamp with time zone) as event_time,
            cast(null as timestamp with time zone) as received_at,
            cast(null as varchar) as decision,
            cast(null as varchar) as policy_version
        where 1 = 0

    ),
{%- endif %}

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
