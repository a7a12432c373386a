{#-
    Guardrail baseline per cost center and day: the mean daily cost of the N days BEFORE the
    scored day (the scored day is excluded, so a spike cannot raise its own baseline), over the
    dense daily series of fct_cost_center_daily (a day without usage counts as 0).
    Bounds = baseline * (1 -/+ band %), band from config_cost_centers.guardrail_band_pct, else
    var('guardrail_default_band_pct'). Fewer than var('guardrail_min_history_days') prior days
    -> insufficient_history.
-#}

{%- set window_days = var('guardrail_baseline_days', 30) | int -%}
{%- set min_history_days = var('guardrail_min_history_days', 7) | int -%}
{%- set default_band_pct = var('guardrail_default_band_pct', 15) -%}

with

daily as (

    select * from {{ ref('fct_cost_center_daily') }}

),

cost_centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

trailing_days as (

    select
        cost_center_day_id,
        cost_date,
        cost_center,
        currency,
        daily_cost,
        sum(daily_cost) over trailing_window as trailing_cost,
        count(*) over trailing_window as history_days
    from daily
    window trailing_window as (
        partition by cost_center
        order by cost_date
        rows between {{ window_days }} preceding and 1 preceding
    )

),

banded as (

    select
        trailing_days.*,
        cast(
            coalesce(cost_centers.guardrail_band_pct, {{ default_band_pct }}) as decimal(18, 6)
        ) as guardrail_band_pct,
        {{ money_div('trailing_days.trailing_cost', 'trailing_days.history_days') }} as baseline_30d
    from trailing_days
    left join cost_centers
        on trailing_days.cost_center = cost_centers.cost_center

),

bounded as (

    select
        *,
        {{ scale_by_pct('baseline_30d', '-guardrail_band_pct') }} as lower_bound,
        {{ scale_by_pct('baseline_30d', 'guardrail_band_pct') }} as upper_bound
    from banded

),

final as (

    select
        cost_center_day_id as baseline_id,
        cost_date,
        cost_center,
        currency,
        daily_cost,
        baseline_30d,
        guardrail_band_pct,
        lower_bound,
        upper_bound,
        cast(history_days as integer) as history_days,
        case
            when history_days < {{ min_history_days }} then 'insufficient_history'
            when daily_cost > upper_bound then 'breach'
            when daily_cost < lower_bound then 'below'
            else 'within'
        end as status
    from bounded

)

select * from final
