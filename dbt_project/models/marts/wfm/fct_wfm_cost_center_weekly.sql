{#-
    The weekly WFM review per ISO week x queue x cost center: each fct_cost_per_resolved_weekly cell
    beside its queue's WFM figures (fct_wfm_queue_weekly). cost_per_staffed_hour is the cell's
    total_cost per staffed hour of the queue, so the cost centers of a queue add up to the queue's
    cost per staffed hour. Queue-level figures repeat on every cost center of the queue.
-#}

with

unit_cost as (

    select * from {{ ref('fct_cost_per_resolved_weekly') }}

),

queue_weeks as (

    select * from {{ ref('fct_wfm_queue_weekly') }}

),

occupancy as (

    select * from {{ ref('int_wfm_occupancy_weekly') }}

),

staffed as (

    select
        queue_id,
        week_start,
        sum(staffed_ms) as staffed_ms
    from occupancy
    group by 1, 2

),

final as (

    select
        unit_cost.cost_per_resolved_id as wfm_cost_center_week_id,
        unit_cost.week_start,
        unit_cost.queue_id,
        unit_cost.cost_center,
        queue_weeks.platform,
        unit_cost.currency,
        unit_cost.total_cost,
        unit_cost.resolved_count,
        unit_cost.cost_per_resolved,
        unit_cost.null_reason,
        unit_cost.avg_handle_seconds as cell_handle_time_seconds,
        unit_cost.avg_wem_score as wem_quality_score,
        unit_cost.evaluation_count,
        queue_weeks.forecasted_offered,
        queue_weeks.actual_offered,
        queue_weeks.forecasted_handle_time_seconds,
        queue_weeks.actual_handle_time_seconds,
        queue_weeks.actual_occupancy_rate,
        queue_weeks.staffed_hours,
        case
            when staffed.staffed_ms > 0
                then {{ money_div('unit_cost.total_cost * 3600000', 'staffed.staffed_ms') }}
        end as cost_per_staffed_hour,
        coalesce(queue_weeks.forecast_status, 'no_data') as forecast_status,
        coalesce(queue_weeks.occupancy_status, 'no_data') as occupancy_status
    from unit_cost
    left join queue_weeks
        on unit_cost.queue_id = queue_weeks.queue_id
            and unit_cost.week_start = queue_weeks.week_start
    left join staffed
        on unit_cost.queue_id = staffed.queue_id
            and unit_cost.week_start = staffed.week_start

)

select * from final
