{#-
    The newest month-end forecast, day by day (written by the forecast task after each build):
    actual days carry the actual cost, the rest of the month the forecast with its daily bands.
-#}

-- the forecast task reads this series and writes the source below (lineage for docs and selection)
-- depends_on: {{ ref('int_forecast_daily_series') }}

with

forecast as (

    select * from {{ source('forecast', 'forecast_cost_daily') }}

),

final as (

    select
        {{ surrogate_key(['cost_center', 'cost_date']) }} as forecast_day_id,
        cast(cost_center as varchar) as cost_center,
        cast(cost_date as date) as cost_date,
        cast({{ dbt.date_trunc('month', 'cost_date') }} as date) as month,
        cast(currency as varchar) as currency,
        cast(is_actual as boolean) as is_actual,
        cast(actual_cost as decimal(18, 6)) as actual_cost,
        cast(committed_cost as decimal(18, 6)) as committed_cost,
        cast(forecast_cost as decimal(18, 6)) as forecast_cost,
        cast(lower_80 as decimal(18, 6)) as lower_80,
        cast(upper_80 as decimal(18, 6)) as upper_80,
        cast(lower_95 as decimal(18, 6)) as lower_95,
        cast(upper_95 as decimal(18, 6)) as upper_95,
        cast(forecast_as_of as date) as forecast_as_of,
        cast(method as varchar) as method,
        cast(run_id as varchar) as run_id
    from forecast

)

select * from final
