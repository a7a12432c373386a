with

source as (

    select * from {{ source('genesys', 'genesys_invoice_lines') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['invoice_id', 'line_number']) }} as invoice_line_id,
        cast(invoice_id as varchar) as invoice_id,
        cast(line_number as bigint) as line_number,
        cast(contract_id as varchar) as contract_id,

        ----------  attributes
        cast(product as varchar) as product,
        cast(description as varchar) as description,
        cast(unit_of_measure as varchar) as unit_of_measure,
        upper(cast(currency as varchar)) as currency,

        ----------  measures
        cast(quantity as decimal(18, 6)) as quantity,
        cast(amount as decimal(18, 6)) as amount,

        ----------  timestamps
        invoice_date,
        date_start,
        date_end,
        {{ utc_date('date_start') }} as billing_month_start

    from source

)

select * from renamed
