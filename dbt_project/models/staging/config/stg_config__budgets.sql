with

source as (

    select * from {{ source('config', 'config_budgets') }}

),

renamed as (

    select

        ----------  ids
        {{ surrogate_key(['cost_center', 'effective_from']) }} as budget_id,
        cast(cost_center as varchar) as cost_center,

        ----------  amounts
        cast(amount as decimal(18, 6)) as amount,
        cast(currency as varchar) as currency,

        ----------  alerting
        cast(owner as varchar) as owner,
        cast(alert_thresholds_pct as varchar) as alert_thresholds_pct,
        cast(alert_on as varchar) as alert_on,

        ----------  periods
        cast(effective_from as date) as effective_from,
        cast(effective_to as date) as effective_to,

        ----------  versions
        cast(budget_version as varchar) as budget_version,
        cast(registry_version as varchar) as registry_version,
        loaded_at

    from source

)

select * from renamed
