{#-
    WFM short-term forecast per platform x queue x ISO week (Monday, UTC): offered volume and
    offered-weighted average handle time of the planning groups routing that queue.
    A planning group with several queues counts for each of them (WFM plans them together).
-#}

with

forecast as (

    select * from {{ ref('stg_genesys__wfm_forecast_intervals') }}

),

planning_groups as (

    select * from {{ ref('stg_genesys__wfm_planning_groups') }}

),

intervals as (

    select
        planning_groups.queue_id,
        {{ iso_week_start(utc_date('forecast.interval_start')) }} as week_start,
        forecast.forecast_offered,
        forecast.forecast_aht_seconds
    from forecast
    inner join planning_groups
        on forecast.planning_group_id = planning_groups.planning_group_id

),

final as (

    select
        'genesys' as platform,
        queue_id,
        week_start,
        count(*) as forecast_interval_count,
        sum(forecast_offered) as forecast_offered,
        case
            when sum(forecast_offered) > 0
                then sum(forecast_offered * forecast_aht_seconds) / sum(forecast_offered)
        end as forecast_aht_seconds
    from intervals
    group by 1, 2, 3

)

select * from final
