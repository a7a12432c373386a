{#-
    What the WFM push plans with: per queue x forecast hour (UTC), the WFM forecast workload, the
    staffed hours it needs at the queue's real occupancy, and what those hours cost at the queue's
    real cost per staffed hour. Real occupancy and cost per staffed hour are those of the
    var('wfm_planning_history_weeks', 4) complete weeks before the forecast hour's week
    (fct_wfm_queue_weekly inputs): occupancy = sum interacting / sum (interacting + idle); cost per
    staffed hour = sum total_cost / sum staffed hours. Null (never zero) where a figure is missing.
-#}

{%- set history_weeks = var('wfm_planning_history_weeks', 4) -%}

with

forecast as (

    select * from {{ ref('stg_genesys__wfm_forecast_intervals') }}

),

planning_groups as (

    select * from {{ ref('stg_genesys__wfm_planning_groups') }}

),

occupancy as (

    select * from {{ ref('int_wfm_occupancy_weekly') }}

),

unit_cost as (

    select * from {{ ref('fct_cost_per_resolved_weekly') }}

),

hourly as (

    select
        'genesys' as platform,
        planning_groups.queue_id,
        {{ dbt.date_trunc('hour', 'forecast.interval_start') }} as hour_start,
        sum(forecast.forecast_offered) as forecast_offered,
        sum(forecast.forecast_offered * forecast.forecast_aht_seconds) as workload_seconds
    from forecast
    inner join planning_groups
        on forecast.planning_group_id = planning_groups.planning_group_id
    group by 1, 2, 3

),

hours as (

    select
        *,
        {{ iso_week_start(utc_date('hour_start')) }} as week_start
    from hourly

),

queue_cost as (

    select
        queue_id,
        week_start,
        sum(total_cost) as total_cost
    from unit_cost
    group by 1, 2

),

history as (

    select
        occupancy.platform,
        occupancy.queue_id,
        occupancy.week_start,
        occupancy.interacting_ms,
        occupancy.idle_ms,
        occupancy.staffed_ms,
        queue_cost.total_cost
    from occupancy
    left join queue_cost
        on occupancy.queue_id = queue_cost.queue_id
            and occupancy.week_start = queue_cost.week_start

),

plan_weeks as (

    select distinct
        platform,
        queue_id,
        week_start
    from hours

),

history_totals as (

    select
        plan_weeks.platform,
        plan_weeks.queue_id,
        plan_weeks.week_start,
        sum(history.interacting_ms) as interacting_ms,
        sum(history.interacting_ms + history.idle_ms) as on_queue_ms,
        sum(case when history.total_cost is not null then history.staffed_ms end) as costed_ms,
        sum(history.total_cost) as total_cost
    from plan_weeks
    inner join history
        on plan_weeks.platform = history.platform
            and plan_weeks.queue_id = history.queue_id
            and plan_weeks.week_start > history.week_start
            and {{ dbt.dateadd('day', -7 * history_weeks, 'plan_weeks.week_start') }} <= history.week_start
    group by 1, 2, 3

),

final as (

    select
        {{ surrogate_key(['hours.platform', 'hours.queue_id', 'hours.hour_start']) }} as forecast_hour_id,
        hours.platform,
        hours.queue_id,
        hours.hour_start,
        hours.week_start,
        cast(round(hours.forecast_offered, 2) as decimal(18, 2)) as forecasted_offered,
        cast(round(hours.workload_seconds / 3600.0, 4) as decimal(18, 4)) as forecasted_workload_hours,
        cast(
            case
                when history_totals.on_queue_ms > 0
                    then round(1.0 * history_totals.interacting_ms / history_totals.on_queue_ms, 4)
            end as decimal(9, 4)
        ) as planning_occupancy_rate,
        cast(
            case
                when history_totals.interacting_ms > 0
                    then round(
                            hours.workload_seconds / 3600.0
                            * history_totals.on_queue_ms / history_totals.interacting_ms,
                            4
                        )
            end as decimal(18, 4)
        ) as required_staffed_hours,
        case
            when history_totals.costed_ms > 0
                then {{ money_div('history_totals.total_cost * 3600000', 'history_totals.costed_ms') }}
        end as planning_cost_per_staffed_hour
    from hours
    left join history_totals
        on hours.platform = history_totals.platform
            and hours.queue_id = history_totals.queue_id
            and hours.week_start = history_totals.week_start

)

select
    *,
    cast(round(required_staffed_hours * planning_cost_per_staffed_hour, 6) as decimal(18, 6))
        as forecasted_cost
from final
