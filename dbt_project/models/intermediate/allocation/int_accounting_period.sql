{#-
    The accounting coverage: one row (none before any telemetry).
      accounting_start  var('accounting_start') when set (a date; its month start is used), else
                        the first day of the first month with telemetry. Nothing before it is
                        charged, allocated, exported to FOCUS or reported.
      as_of_date        the last day with telemetry: pools accrue up to and including it, so the
                        month holding it is month-to-date and every earlier month is complete.
    Telemetry = Genesys conversations and queue intervals, CXone contacts (raw, via staging).
    An accounting_start after the last telemetry day fails the build, naming both dates.
    No telemetry at all (a new org, an empty first window): no row, so every mart is empty.
-#}

{{ config(materialized='table') }}

{%- set configured = var('accounting_start', none) -%}

{%- if execute and configured %}
    {%- set last_day_query -%}
        select max(d) from (
            select max(conversation_date) as d from {{ ref('stg_genesys__conversations') }}
            union all
            select max(contact_date) as d from {{ ref('stg_cxone__contacts') }}
            union all
            select max(interval_date) as d from {{ ref('stg_genesys__queue_intervals') }}
        ) as telemetry
    {%- endset -%}
    {%- set last_day = run_query(last_day_query).columns[0].values()[0] -%}
    {#- no telemetry yet (a new org): no period, nothing to check -#}
    {%- if last_day is not none and (configured | string) > (last_day | string) -%}
        {{ exceptions.raise_compiler_error(
            "var accounting_start = " ~ configured ~ " is after the last telemetry day ("
            ~ last_day ~ "): nothing could be charged; set it on or before that day"
        ) }}
    {%- endif -%}
{%- endif %}

with

genesys_conversations as (

    select * from {{ ref('stg_genesys__conversations') }}

),

cxone_contacts as (

    select * from {{ ref('stg_cxone__contacts') }}

),

queue_intervals as (

    select * from {{ ref('stg_genesys__queue_intervals') }}

),

telemetry as (

    select
        min(conversation_date) as first_day,
        max(conversation_date) as last_day
    from genesys_conversations

    union all

    select
        min(contact_date) as first_day,
        max(contact_date) as last_day
    from cxone_contacts

    union all

    select
        min(interval_date) as first_day,
        max(interval_date) as last_day
    from queue_intervals

),

bounds as (

    select
        min(first_day) as first_day,
        max(last_day) as last_day
    from telemetry

),

final as (

    select
        {% if configured -%}
            {{ month_start("cast('" ~ configured ~ "' as date)") }}
        {%- else -%}
            {{ month_start('first_day') }}
        {%- endif %} as accounting_start,
        cast(last_day as date) as as_of_date
    from bounds
    -- no telemetry yet (a new org, an empty first window): no period, so nothing is charged
    where last_day is not null

)

select * from final
