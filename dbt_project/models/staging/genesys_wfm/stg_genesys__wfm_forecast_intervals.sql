with

forecast as (

    select * from {{ source('genesys_wfm', 'genesys_wfm_forecast_intervals') }}

),

final as (

    select
        forecast_id,
        business_unit_id,
        planning_group_id,
        cast(week_date as date) as week_date,
        interval_start,
        interval_end,
        cast(offered as double) as forecast_offered,
        cast(average_handle_time_seconds as double) as forecast_aht_seconds
    from forecast

)

select * from final
