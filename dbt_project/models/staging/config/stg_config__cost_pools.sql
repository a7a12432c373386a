with

source as (

    select * from {{ source('config', 'config_cost_pools') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['pool_name', 'period_start']) }} as cost_pool_id,
        cast(pool_name as varchar) as pool_name,

        ----------  attributes
        cast(pool_type as varchar) as pool_type,
        cast(platform as varchar) as platform,
        cast(allocation_basis as varchar) as allocation_basis,
        cast(charge_name as varchar) as charge_name,
        cast(currency as varchar) as currency,
        cast(owner_cost_center as varchar) as owner_cost_center,

        ----------  amounts
        cast(monthly_amount as decimal(18, 6)) as monthly_amount,
        cast(cap as decimal(18, 6)) as cap,
        cast(
            case
                when cap is null then monthly_amount
                when cap < monthly_amount then cap
                else monthly_amount
            end as decimal(18, 6)
        ) as shared_cost_cap,

        ----------  periods
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,

        ----------  versions
        cast(rule_version as varchar) as rule_version,
        cast(registry_version as varchar) as registry_version,
        loaded_at

    from source

)

select * from renamed
