{#-
    The weekly report's WFM review per ISO week, platform and queue (fct_wfm_queue_weekly): the
    platform WFM forecast beside the actual handle time and volume, real agent occupancy, staffed
    hours, cost per resolved and per staffed hour rounded half up to the cent, WEM quality, and a
    label per status saying why a figure is missing (the vendor's reason when its source is
    unavailable, "not exposed by CXone" when the platform has no such figure) - never a substitute.
-#}
with

wfm as (

    select * from {{ ref('fct_wfm_queue_weekly') }}

),

queue_names as (

    select * from {{ ref('int_queue_names') }}

),

final as (

    select
        wfm.wfm_queue_week_id as report_wfm_queue_week_id,
        wfm.week_start,
        wfm.platform,
        wfm.queue_id,
        coalesce(queue_names.queue_name, wfm.queue_id) as queue_name,
        wfm.forecasted_handle_time_seconds,
        wfm.actual_handle_time_seconds,
        wfm.handle_time_variance_pct,
        wfm.forecasted_offered,
        wfm.actual_offered,
        wfm.volume_variance_pct,
        wfm.actual_occupancy_rate,
        wfm.staffed_hours,
        wfm.currency,
        {{ round_cents('wfm.cost_per_resolved') }} as cost_per_resolved,
        {{ round_cents('wfm.cost_per_staffed_hour') }} as cost_per_staffed_hour,
        wfm.wem_quality_score,
        wfm.forecast_status,
        wfm.occupancy_status,
        case wfm.forecast_status
            when 'available' then 'available'
            when 'unavailable' then coalesce(wfm.unavailable_reason, 'source unavailable')
            when 'not_exposed' then 'not exposed by CXone'
            else 'no data'
        end as forecast_label,
        case wfm.occupancy_status
            when 'available' then 'available'
            when 'unavailable' then coalesce(wfm.unavailable_reason, 'source unavailable')
            else 'no data'
        end as occupancy_label
    from wfm
    left join queue_names on wfm.queue_id = queue_names.queue_id

)

select * from final
