with

source as (

    select * from {{ source('genesys', 'genesys_licence_usage') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['period_start', 'charge_name']) }} as licence_usage_id,
        cast(charge_name as varchar) as charge_name,

        ----------  measures
        cast(user_count as bigint) as user_count,

        ----------  timestamps
        period_start,
        period_end

    from source

)

select * from renamed
