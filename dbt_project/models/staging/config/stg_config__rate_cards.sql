with

source as (

    select * from {{ source('config', 'config_rate_cards') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['usage_type', 'carrier', 'direction', 'number_type', 'effective_from']) }}
            as rate_card_id,
        cast(usage_type as varchar) as usage_type,
        cast(carrier as varchar) as carrier,
        cast(direction as varchar) as direction,
        cast(number_type as varchar) as number_type,

        ----------  pricing
        cast(rate as decimal(18, 6)) as rate,
        cast(unit as varchar) as unit,
        cast(
            coalesce(increment_seconds, {{ var('default_increment_seconds') }}) as bigint
        ) as increment_seconds,
        cast(coalesce(minimum_seconds, 0) as bigint) as minimum_seconds,
        cast(currency as varchar) as currency,

        ----------  effective dating
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,

        ----------  versions
        cast(rate_card_version as varchar) as rate_card_version,
        cast(registry_version as varchar) as registry_version,
        loaded_at

    from source

)

select * from renamed
