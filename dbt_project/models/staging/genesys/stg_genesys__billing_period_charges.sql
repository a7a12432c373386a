with

source as (

    select * from {{ source('genesys', 'genesys_billing_period_charges') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['contract_id', 'billing_period_id', 'charge_name']) }} as billing_period_charge_id,
        cast(contract_id as varchar) as contract_id,
        cast(billing_period_id as varchar) as billing_period_id,
        cast(charge_name as varchar) as charge_name,

        ----------  attributes
        cast(period_status as varchar) as period_status,
        cast(unit_of_measure as varchar) as unit_of_measure,
        upper(cast(currency as varchar)) as currency,

        ----------  measures
        cast(quantity as decimal(18, 6)) as quantity,
        cast(unit_price as decimal(18, 6)) as unit_price,
        cast(amount as decimal(18, 6)) as amount,

        ----------  timestamps
        period_start,
        period_end

    from source

)

select * from renamed
