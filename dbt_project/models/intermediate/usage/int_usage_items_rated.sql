{#-
    Rating: the rate-card line in force on usage_date for (usage_type, carrier, direction,
    number_type); non-voice items and cards without a specific line use the '*' wildcard line.
    Duration is rounded UP to the card's increment, then raised to its minimum; cost is exact
    (integer micro-units, half-up to 6 decimals). No rate -> unit_rate and cost null.
-#}

with

attributed as (

    select * from {{ ref('int_usage_items_attributed') }}

),

rates_daily as (

    select * from {{ ref('int_rate_cards_daily') }}

),

priced as (

    select
        attributed.*,
        coalesce(exact_rate.rate, wildcard_rate.rate) as unit_rate,
        coalesce(exact_rate.unit, wildcard_rate.unit) as rate_unit,
        coalesce(exact_rate.increment_seconds, wildcard_rate.increment_seconds) as increment_seconds,
        coalesce(exact_rate.minimum_seconds, wildcard_rate.minimum_seconds) as minimum_seconds,
        coalesce(exact_rate.currency, wildcard_rate.currency) as currency,
        coalesce(exact_rate.rate_card_version, wildcard_rate.rate_card_version) as rate_card_version
    from attributed
    left join rates_daily as exact_rate
        on attributed.usage_type = exact_rate.usage_type
            and coalesce(attributed.carrier, '*') = exact_rate.carrier
            and coalesce(attributed.direction, '*') = exact_rate.direction
            and coalesce(attributed.number_type, '*') = exact_rate.number_type
            and attributed.usage_date = exact_rate.date_day
    left join rates_daily as wildcard_rate
        on attributed.usage_type = wildcard_rate.usage_type
            and wildcard_rate.carrier = '*'
            and wildcard_rate.direction = '*'
            and wildcard_rate.number_type = '*'
            and attributed.usage_date = wildcard_rate.date_day

),

quantified as (

    select
        *,
        case
            when usage_type = 'wem_evaluation' then null
            when is_provisional
                then {{ billable_seconds('duration_ms', 'increment_seconds', '0') }}
            else {{ billable_seconds('duration_ms', 'increment_seconds', 'minimum_seconds') }}
        end as billable_seconds
    from priced

),

rated as (

    select
        *,
        case
            when usage_type = 'wem_evaluation' then cast(1 as decimal(18, 6))
            else {{ micros_to_decimal(int_div_round('billable_seconds * 1000000', '60')) }}
        end as billable_quantity,
        case
            when usage_type = 'wem_evaluation' then 'evaluation'
            else 'minute'
        end as unit,
        case
            when unit_rate is null then null
            when coalesce(rate_unit, 'minute') = 'evaluation'
                then cast(unit_rate as decimal(18, 6))
            else {{ micros_to_decimal(per_minute_cost_micros('billable_seconds', 'unit_rate')) }}
        end as cost
    from quantified

)

select * from rated
