{#-
    The guardrail receiver's rate cards: the rate-card line in force per usage type, carrier,
    direction, number type and day (int_rate_cards_daily, the rows int_usage_items_rated joins),
    exported after every build so the receiver rates events exactly as the warehouse does.
-#}

with

rates_daily as (

    select * from {{ ref('int_rate_cards_daily') }}

),

final as (

    select
        rate_day_id,
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
    from rates_daily

)

select * from final
