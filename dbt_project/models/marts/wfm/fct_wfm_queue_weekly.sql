{#-
    The weekly WFM review per platform x queue x ISO week (Monday, UTC): WFM forecast vs actual
    volume and handle time, real agent occupancy, and the unit cost of the same queue and week.
    Definitions: see _wfm__models.yml. A figure whose source is unavailable (no licence or
    permission) or not exposed by the platform is null, and *_status says why - never zero.
-#}

with

actuals as (

    select * from {{ ref('int_wfm_actuals_weekly') }}

),

forecast as (

    select * from {{ ref('int_wfm_forecast_weekly') }}

),

occupancy as (

    select * from {{ ref('int_wfm_occupancy_weekly') }}

),

unit_cost as (

    select * from {{ ref('fct_cost_per_resolved_weekly') }}

),

source_status as (

    select * from {{ ref('stg_wfm__source_status') }}

),

cells as (

    select
        platform,
        queue_id,
        week_start
    from actuals
    union
    select
        platform,
        queue_id,
        week_start
    from forecast
    union
    select
        platform,
        queue_id,
        week_start
    from occupancy

),

queue_cost as (

    select
        week_start,
        queue_id,
        min(currency) as currency,
        sum(total_cost) as total_cost,
        sum(resolved_count) as resolved_count,
        sum(evaluation_count) as evaluation_count,
        sum(avg_wem_score * evaluation_count) as wem_score_sum
    from unit_cost
    group by 1, 2

),

unavailable as (

    select
        platform,
        max(case when resource = 'forecast' and status = 'unavailable' then reason end) as forecast_reason,
        max(
            case when resource in ('agent_status', 'queue_members') and status = 'unavailable' then reason end
        ) as occupancy_reason
    from source_status
    group by 1

),

joined as (

    select
        cells.platform,
        cells.queue_id,
        cells.week_start,
        actuals.actual_offered,
        actuals.handled_count,
        actuals.handle_ms,
        forecast.forecast_offered,
        forecast.forecast_aht_seconds,
        occupancy.agent_count,
        occupancy.interacting_ms,
        occupancy.idle_ms,
        occupancy.staffed_ms,
        queue_cost.currency,
        queue_cost.total_cost,
        queue_cost.resolved_count,
        queue_cost.evaluation_count,
        queue_cost.wem_score_sum,
        unavailable.forecast_reason,
        unavailable.occupancy_reason
    from cells
    left join actuals
        on cells.platform = actuals.platform
            and cells.queue_id = actuals.queue_id
            and cells.week_start = actuals.week_start
    left join forecast
        on cells.platform = forecast.platform
            and cells.queue_id = forecast.queue_id
            and cells.week_start = forecast.week_start
    left join occupancy
        on cells.platform = occupancy.platform
            and cells.queue_id = occupancy.queue_id
            and cells.week_start = occupancy.week_start
    left join queue_cost
        on cells.queue_id = queue_cost.queue_id
            and cells.week_start = queue_cost.week_start
    left join unavailable
        on cells.platform = unavailable.platform

),

final as (

    select
        {{ surrogate_key(['platform', 'queue_id', 'week_start']) }} as wfm_queue_week_id,
        week_start,
        platform,
        queue_id,
        cast(forecast_offered as decimal(18, 2)) as forecasted_offered,
        cast(actual_offered as bigint) as actual_offered,
        cast(
            case
                when forecast_offered > 0 and actual_offered is not null
                    then round(100.0 * (actual_offered - forecast_offered) / forecast_offered, 1)
            end as decimal(9, 1)
        ) as volume_variance_pct,
        cast(round(forecast_aht_seconds, 1) as decimal(18, 1)) as forecasted_handle_time_seconds,
        cast(
            case when handled_count > 0 then round(handle_ms / 1000.0 / handled_count, 1) end
            as decimal(18, 1)
        ) as actual_handle_time_seconds,
        cast(
            case
                when forecast_aht_seconds > 0 and handled_count > 0
                    then round(
                            100.0 * (handle_ms / 1000.0 / handled_count - forecast_aht_seconds)
                            / forecast_aht_seconds,
                            1
                        )
            end as decimal(9, 1)
        ) as handle_time_variance_pct,
        cast(
            case
                when interacting_ms + idle_ms > 0
                    then round(1.0 * interacting_ms / (interacting_ms + idle_ms), 4)
            end as decimal(9, 4)
        ) as actual_occupancy_rate,
        cast(agent_count as bigint) as agent_count,
        cast(round(interacting_ms / 3600000.0, 2) as decimal(18, 2)) as interacting_hours,
        cast(round(idle_ms / 3600000.0, 2) as decimal(18, 2)) as idle_hours,
        cast(round(staffed_ms / 3600000.0, 2) as decimal(18, 2)) as staffed_hours,
        coalesce(currency, '{{ var("default_currency", "USD") }}') as currency,
        cast(total_cost as decimal(18, 6)) as total_cost,
        cast(resolved_count as bigint) as resolved_count,
        {{ money_div('total_cost', 'resolved_count') }} as cost_per_resolved,
        case
            when staffed_ms > 0 then {{ money_div('total_cost * 3600000', 'staffed_ms') }}
        end as cost_per_staffed_hour,
        cast(
            case when evaluation_count > 0 then round(wem_score_sum / evaluation_count, 2) end
            as decimal(9, 2)
        ) as wem_quality_score,
        cast(evaluation_count as bigint) as evaluation_count,
        case
            when forecast_offered is not null then 'available'
            when platform = 'cxone' then 'not_exposed'
            when forecast_reason is not null then 'unavailable'
            else 'no_data'
        end as forecast_status,
        case
            when interacting_ms + idle_ms > 0 then 'available'
            when occupancy_reason is not null then 'unavailable'
            else 'no_data'
        end as occupancy_status,
        coalesce(
            case when forecast_offered is null then forecast_reason end,
            case when interacting_ms is null then occupancy_reason end
        ) as unavailable_reason
    from joined

)

select * from final
