{{ config(materialized='table') }}

{#-
    The calendar days the registries must resolve: from the earliest effective date to well past
    the newest usage (evaluations arrive days after their conversation).
-#}

with

mappings as (

    select * from {{ ref('stg_config__cost_center_mappings') }}

),

rate_cards as (

    select * from {{ ref('stg_config__rate_cards') }}

),

conversations as (

    select * from {{ ref('int_conversations') }}

),

queue_intervals as (

    select * from {{ ref('stg_genesys__queue_intervals') }}

),

effective_dates as (

    select effective_from as day_value from mappings
    union all
    select effective_to from mappings
    union all
    select effective_from from rate_cards
    union all
    select effective_to from rate_cards

),

usage_dates as (

    select max(conversation_date) as day_value from conversations
    union all
    select max(interval_date) from queue_intervals

),

bounds as (

    select
        (select min(day_value) from effective_dates) as first_day,
        greatest(
            coalesce((select max(day_value) from effective_dates), current_date),
            coalesce(
                cast({{ dbt.dateadd('day', 90, '(select max(day_value) from usage_dates)') }} as date),
                current_date
            ),
            current_date
        ) as last_day

),

days as (

    {{ date_spine_days('(select first_day from bounds)', '(select last_day from bounds)') }}

)

select * from days
