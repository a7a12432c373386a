{#-
    WFM cost constraints per target week, queue and shift (the scheduling payload of
    POST /api/v2/scheduling/groups/shifts, CONTRACTS.md). Shifts are seeds/wfm_shifts.csv in local
    time of var('wfm_timezone'); end_hour <= start_hour runs past midnight.
    max_cost_per_hour, cost_basis 'wfm_forecast': when the platform's forecast
    (fct_wfm_queue_forecast_hourly, cost at real occupancy) has hours with a forecasted cost for the
    queue inside the shift's local hours of the target week (local Monday..Sunday), their mean
    forecasted cost plus var('wfm_headroom_pct') %. Else (WFM unavailable, CXone, no forecast for
    that week), cost_basis 'history': the queue's mean cost per hour inside the shift's local hours
    over the var('wfm_history_days') days before the week (every hour counts, quiet ones too) plus
    the headroom. Both rounded half up to the cent; a queue × shift whose cap rounds to 0.00 gets
    no row. min_quality_threshold = the queue's evaluation-weighted mean WEM score over
    the weeks starting in the history (0.1, half up), else var('wfm_quality_floor').
    Target weeks: every Monday with usage in its history, so the coming week is always present.
-#}
{%- set history_days = var('wfm_history_days') | int %}
{%- set headroom_basis_points = (var('wfm_headroom_pct') | float * 100) | round | int %}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

cells as (

    select * from {{ ref('fct_cost_per_resolved_weekly') }}

),

shifts as (

    select * from {{ ref('wfm_shifts') }}

),

forecast as (

    select * from {{ ref('fct_wfm_queue_forecast_hourly') }}

),

local_usage as (

    select
        queue_id,
        currency,
        cost,
        {{ local_timestamp('usage_start', var("wfm_timezone")) }} as local_start
    from usage_cost
    where
        platform = '{{ var("wfm_platform") }}'
        and queue_id is not null
        and cost is not null

),

hourly as (

    select
        queue_id,
        cast(local_start as date) as local_date,
        cast(extract(hour from local_start) as integer) as local_hour,
        min(currency) as currency,
        sum(cost) as cost
    from local_usage
    group by 1, 2, 3

),

week_offsets as (

    {% for offset in range(1, history_days // 7 + 2) -%}
        select {{ offset }} as week_offset
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

target_weeks as (

    select distinct
        cast({{ dbt.dateadd(
            'day', 'week_offsets.week_offset * 7', iso_week_start('hourly.local_date')
        ) }} as date) as week_start
    from hourly
    cross join week_offsets

),

history as (

    select
        target_weeks.week_start,
        hourly.queue_id,
        hourly.local_hour,
        min(hourly.currency) as currency,
        sum(hourly.cost) as cost
    from target_weeks
    inner join hourly
        on
            target_weeks.week_start > hourly.local_date
            and hourly.local_date
            >= cast({{ dbt.dateadd('day', -history_days, 'target_weeks.week_start') }} as date)
    group by 1, 2, 3

),

clock_hours as (

    {% for hour in range(24) -%}
        select {{ hour }} as local_hour
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

shift_hours as (

    select
        shifts.shift_name,
        shifts.start_hour,
        shifts.end_hour,
        clock_hours.local_hour
    from shifts
    cross join clock_hours
    where
        (
            shifts.end_hour > shifts.start_hour
            and clock_hours.local_hour >= shifts.start_hour
            and clock_hours.local_hour < shifts.end_hour
        )
        or (
            shifts.end_hour <= shifts.start_hour
            and (clock_hours.local_hour >= shifts.start_hour or clock_hours.local_hour < shifts.end_hour)
        )

),

shift_sizes as (

    select
        shift_name,
        count(*) as shift_hour_count
    from shift_hours
    group by 1

),

local_forecast as (

    select
        queue_id,
        forecasted_cost,
        cast(
            cast(
                hour_start as timestamp with time zone
            ) at time zone '{{ var("wfm_timezone") }}' as timestamp
        )
            as local_start
    from forecast
    where
        platform = '{{ var("wfm_platform") }}'
        and forecasted_cost is not null

),

forecast_hours as (

    select
        queue_id,
        forecasted_cost,
        {{ iso_week_start('cast(local_start as date)') }} as week_start,
        cast(extract(hour from local_start) as integer) as local_hour
    from local_forecast

),

forecast_shifts as (

    select
        forecast_hours.week_start,
        forecast_hours.queue_id,
        shift_hours.shift_name,
        count(*) as forecast_hour_count,
        sum(forecast_hours.forecasted_cost) as forecast_cost
    from forecast_hours
    inner join shift_hours on forecast_hours.local_hour = shift_hours.local_hour
    group by 1, 2, 3

),

queue_weeks as (

    select
        week_start,
        queue_id,
        min(currency) as currency
    from history
    group by 1, 2

),

shift_costs as (

    select
        queue_weeks.week_start,
        queue_weeks.queue_id,
        queue_weeks.currency,
        shifts.shift_name,
        shifts.start_hour,
        shifts.end_hour,
        shift_sizes.shift_hour_count,
        coalesce(sum(history.cost), 0) as shift_cost
    from queue_weeks
    cross join shifts
    inner join shift_sizes on shifts.shift_name = shift_sizes.shift_name
    left join shift_hours on shifts.shift_name = shift_hours.shift_name
    left join history
        on
            queue_weeks.week_start = history.week_start
            and queue_weeks.queue_id = history.queue_id
            and shift_hours.local_hour = history.local_hour
    group by 1, 2, 3, 4, 5, 6, 7

),

quality as (

    select
        target_weeks.week_start,
        cells.queue_id,
        sum(cells.avg_wem_score * coalesce(cells.evaluation_count, 0)) as weighted_score,
        sum(coalesce(cells.evaluation_count, 0)) as evaluations
    from target_weeks
    inner join cells
        on
            target_weeks.week_start > cells.week_start
            and cells.week_start
            >= cast({{ dbt.dateadd('day', -history_days, 'target_weeks.week_start') }} as date)
    where cells.avg_wem_score is not null
    group by 1, 2

),

constrained as (

    select
        shift_costs.*,
        case
            when forecast_shifts.forecast_hour_count > 0 then 'wfm_forecast' else 'history'
        end as cost_basis,
        case
            when forecast_shifts.forecast_hour_count > 0
                then {{ signed_div_round(
                    to_micros('forecast_shifts.forecast_cost') ~ ' * ' ~ (10000 + headroom_basis_points),
                    'forecast_shifts.forecast_hour_count * 100000000'
                ) }}
            else {{ signed_div_round(
                to_micros('shift_costs.shift_cost') ~ ' * ' ~ (10000 + headroom_basis_points),
                'shift_costs.shift_hour_count * ' ~ history_days ~ ' * 100000000'
            ) }}
        end as max_cost_cents,
        case
            when quality.evaluations > 0
                then {{ signed_div_round(to_micros('quality.weighted_score'), 'quality.evaluations * 100000') }}  -- noqa: LT05
        end as quality_tenths
    from shift_costs
    left join forecast_shifts
        on
            shift_costs.week_start = forecast_shifts.week_start
            and shift_costs.queue_id = forecast_shifts.queue_id
            and shift_costs.shift_name = forecast_shifts.shift_name
    left join quality
        on
            shift_costs.week_start = quality.week_start
            and shift_costs.queue_id = quality.queue_id

),

final as (

    select
        {{ surrogate_key(['week_start', 'queue_id', 'shift_name']) }} as wfm_constraint_id,
        week_start,
        queue_id,
        cast(shift_name as varchar) as shift_name,
        cast(start_hour as integer) as shift_start_hour,
        cast(end_hour as integer) as shift_end_hour,
        cast('{{ var("wfm_timezone") }}' as varchar) as timezone,
        cast(currency as varchar) as currency,
        {{ money_div('shift_cost', 'shift_hour_count * ' ~ history_days) }} as hourly_cost_mean,
        cast({{ cents_to_decimal('max_cost_cents') }} as decimal(18, 2)) as max_cost_per_hour,
        cast(cost_basis as varchar) as cost_basis,
        cast(coalesce(
            cast(quality_tenths as decimal(18, 0)) * cast(0.1 as decimal(18, 1)),
            cast({{ var('wfm_quality_floor') }} as decimal(18, 1))
        ) as decimal(18, 1)) as min_quality_threshold,
        cast({{ dbt.dateadd('day', -history_days, 'week_start') }} as date) as history_start
    from constrained
    where max_cost_cents > 0

)

select * from final
