with

source as (

    select * from {{ source('genesys', 'genesys_voice_usage') }}

),

renamed as (

    select

        ----------  ids
        cast(sip_call_id as varchar) as sip_call_id,

        ----------  attributes
        cast(direction as varchar) as direction,
        cast(usage_group as varchar) as number_type,
        cast(currency as varchar) as currency,

        ----------  measures
        cast(duration_seconds as bigint) as duration_seconds,
        cast(rate_per_minute as decimal(18, 6)) as rate_per_minute,
        cast(cost as decimal(18, 6)) as vendor_cost,

        ----------  timestamps
        call_start,
        {{ utc_date('call_start') }} as call_date

    from source

)

select * from renamed
