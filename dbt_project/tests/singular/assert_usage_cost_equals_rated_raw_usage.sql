-- Conservation: Σ fct_usage_cost.cost (and the item count) per usage type equals the raw usage
-- rated independently here, straight from staging and the rate-card registry (no attribution
-- joins): nothing dropped, nothing duplicated. Per-item rounding to 6 decimals may differ by at
-- most half a micro-unit per item between the two computations.
with

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

conversations as (

    select * from {{ ref('stg_genesys__conversations') }}

),

evaluations as (

    select * from {{ ref('stg_genesys__evaluations') }}

),

contacts as (

    select * from {{ ref('stg_cxone__contacts') }}

),

intervals as (

    select * from {{ ref('stg_genesys__queue_intervals') }}

),

rate_cards as (

    select * from {{ ref('stg_config__rate_cards') }}

),

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

raw_items as (

    select
        'voice' as usage_type,
        carrier,
        direction,
        number_type,
        session_date as usage_date,
        duration_ms,
        false as is_provisional
    from sessions
    where
        carrier is not null
        and media_type = 'voice'
        and purpose in ('customer', 'external')
        and duration_ms > 0

    union all

    select
        'voice' as usage_type,
        carrier,
        direction,
        number_type,
        contact_date as usage_date,
        duration_ms,
        false as is_provisional
    from contacts
    where is_voice and duration_ms > 0

    union all

    select
        'transcription' as usage_type,
        '*' as carrier,
        '*' as direction,
        '*' as number_type,
        conversation_date as usage_date,
        transcription_ms as duration_ms,
        false as is_provisional
    from conversations
    where transcription_ms > 0

    union all

    select
        'wem_evaluation' as usage_type,
        '*' as carrier,
        '*' as direction,
        '*' as number_type,
        evaluated_date as usage_date,
        cast(null as bigint) as duration_ms,
        false as is_provisional
    from evaluations

    union all

    select
        'voice' as usage_type,
        '{{ var("provisional_carrier") }}' as carrier,
        '{{ var("provisional_direction") }}' as direction,
        '{{ var("provisional_number_type") }}' as number_type,
        interval_date as usage_date,
        t_handle_sum_ms as duration_ms,
        true as is_provisional
    from intervals
    where is_provisional and media_type = 'voice' and t_handle_sum_ms > 0

),

rated as (

    select
        raw_items.usage_type,
        rate_cards.rate,
        rate_cards.unit,
        case
            when raw_items.usage_type = 'wem_evaluation' then 0
            when rate_cards.increment_seconds > 0
                then greatest(
                        ceil(raw_items.duration_ms / (1000.0 * rate_cards.increment_seconds))
                        * rate_cards.increment_seconds,
                        case when raw_items.is_provisional then 0 else rate_cards.minimum_seconds end
                    )
            else greatest(
                    ceil(raw_items.duration_ms / 1000.0),
                    case when raw_items.is_provisional then 0 else rate_cards.minimum_seconds end
                )
        end as seconds
    from raw_items
    left join rate_cards
        on raw_items.usage_type = rate_cards.usage_type
            and raw_items.carrier = rate_cards.carrier
            and raw_items.direction = rate_cards.direction
            and raw_items.number_type = rate_cards.number_type
            and raw_items.usage_date >= rate_cards.effective_from
            and (rate_cards.effective_to is null or raw_items.usage_date < rate_cards.effective_to)

),

expected as (

    select
        usage_type,
        count(*) as items,
        sum(
            case when unit = 'evaluation' then rate else seconds * rate / 60.0 end
        ) as cost
    from rated
    group by 1

),

actual as (

    select
        usage_type,
        count(*) as items,
        sum(cost) as cost
    from usage_cost
    group by 1

)

select
    coalesce(expected.usage_type, actual.usage_type) as usage_type,
    expected.items as expected_items,
    actual.items as actual_items,
    expected.cost as expected_cost,
    actual.cost as actual_cost
from expected
full outer join actual
    on expected.usage_type = actual.usage_type
where expected.items is distinct from actual.items
    or abs(coalesce(expected.cost, 0) - coalesce(actual.cost, 0)) > 0.0000005 * expected.items + 0.000001
