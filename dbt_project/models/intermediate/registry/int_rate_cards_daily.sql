{{ config(materialized='table') }}

{#- The rate card line in force per usage type, carrier, direction, number type and day. -#}

with

rate_cards as (

    select * from {{ ref('stg_config__rate_cards') }}

),

days as (

    select * from {{ ref('int_registry_days') }}

),

in_force as (

    select
        rate_cards.usage_type,
        rate_cards.carrier,
        rate_cards.direction,
        rate_cards.number_type,
        days.date_day,
        rate_cards.rate,
        rate_cards.unit,
        rate_cards.increment_seconds,
        rate_cards.minimum_seconds,
        rate_cards.currency,
        rate_cards.rate_card_version,
        row_number() over (
            partition by
                rate_cards.usage_type,
                rate_cards.carrier,
                rate_cards.direction,
                rate_cards.number_type,
                days.date_day
            order by rate_cards.effective_from desc
        ) as precedence
    from rate_cards
    inner join days
        on rate_cards.effective_from <= days.date_day
            and (rate_cards.effective_to is null or rate_cards.effective_to > days.date_day)

),

final as (

    select
        {{ surrogate_key(['usage_type', 'carrier', 'direction', 'number_type', 'date_day']) }}
            as rate_day_id,
        usage_type,
        carrier,
        direction,
        number_type,
        date_day,
        rate,
        unit,
        increment_seconds,
        minimum_seconds,
        currency,
        rate_card_version
    from in_force
    where precedence = 1

)

select * from final
