with

source as (

    select * from {{ source('config', 'config_cost_centers') }}

),

renamed as (

    select

        ----------  ids
        cast(cost_center as varchar) as cost_center,

        ----------  attributes
        cast(name as varchar) as cost_center_name,
        cast(owner as varchar) as owner,
        cast(guardrail_band_pct as decimal(18, 6)) as guardrail_band_pct,
        coalesce(cast(is_active as boolean), true) as is_active,

        ----------  versions
        cast(registry_version as varchar) as registry_version,
        loaded_at

    from source

)

select * from renamed
