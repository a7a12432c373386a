{#-
    Intraday band per cost center, day type (weekday / weekend) and UTC hour: how far the running
    total at the end of that hour, and the last var('guardrail_window_hours') hours, typically are
    from what the policy expected, measured on the cost center's own history.

    For every day of the var('guardrail_profile_days') days before the newest day, with an expected
    daily cost E (fct_guardrail_baselines, the same-weekday median that never trains on its own day)
    and the day type's cumulative profile P (dim_guardrail_hourly_profiles):
      cumulative deviation at hour h = (cost up to the end of h) / (E x P(h)) - 1
      window deviation at hour h     = (cost of the last W hours to h) / (E x (P(h) - P(h - W))) - 1
    The robust dispersion is 1.4826 x the median absolute deviation from the expectation (|deviation|,
    not around its own median: a biased expectation widens the band instead of firing). The band is
    var('guardrail_intraday_k') x that dispersion, and an event inside hour h gets the wider of the
    bands at the end of hours h - 1 and h. The receiver applies the wider of it and the cost
    center's own band, so the band is wide early in the day (few calls, noisy) and narrows as the
    day's cumulative grows (at the end of the day it is the daily dispersion). An hour with fewer than
    var('guardrail_intraday_min_days') days of history gets no band (the receiver then widens the
    cost center's band by (1 / share) ^ var('guardrail_intraday_band_exponent')).

    Pace (the day against itself, so a day that runs under or over its expectation does not mask an
    overrun that starts late): the rate of the last W hours against the rate of the day before them,
    each per unit of the profile,
      pace deviation at hour h = (cost of the last W hours / (P(h) - P(h - W)))
                                 / (cost up to h - W / P(h - W)) - 1,
    measured where P(h - W) >= var('guardrail_pace_min_share') (enough of the day before the window)
    on every day of the window (no expected cost needed, so a young cost center has it too). Its band
    is var('guardrail_pace_k') x 1.4826 x the median |deviation|, the wider of hours h - 1 and h.
-#}

{%- set profile_days = var('guardrail_profile_days', 56) | int -%}
{%- set window_hours = var('guardrail_window_hours', 3) | int -%}
{%- set intraday_k = var('guardrail_intraday_k', 2.5) -%}
{%- set min_days = var('guardrail_intraday_min_days', 7) | int -%}
{%- set pace_min_share = var('guardrail_pace_min_share', 0.20) -%}
{%- set pace_k = var('guardrail_pace_k', 3.5) -%}

with

hourly as (

    select * from {{ ref('fct_cost_center_hourly') }}

),

baselines as (

    select * from {{ ref('fct_guardrail_baselines') }}

),

profiles as (

    select * from {{ ref('dim_guardrail_hourly_profiles') }}

),

newest as (

    select max(cost_date) as newest_date from baselines

),

days as (

    select
        baselines.cost_center,
        baselines.cost_date,
        baselines.expected_daily_cost,
        {{ guardrail_day_type('baselines.cost_date') }} as day_type
    from baselines
    cross join newest
    where baselines.cost_date < newest.newest_date
        and baselines.cost_date >= cast({{ dbt.dateadd('day', -profile_days, 'newest.newest_date') }} as date)

),

hours as (

    select cast(g.h as integer) as hour_of_day
    from {{ integer_series(0, 23) }} as g (h)

),

-- every hour of every scored day (fct_cost_center_hourly has rows only for hours with cost)
day_hours as (

    select
        days.cost_center,
        days.cost_date,
        hours.hour_of_day,
        coalesce(hourly.hourly_cost, 0) as hourly_cost
    from days
    cross join hours
    left join hourly
        on days.cost_center = hourly.cost_center
            and days.cost_date = hourly.cost_date
            and hours.hour_of_day = hourly.hour_of_day

),

running as (

    select
        cost_center,
        cost_date,
        hour_of_day,
        sum(hourly_cost) over (
            partition by cost_center, cost_date
            order by hour_of_day
            rows between unbounded preceding and current row
        ) as cumulative_cost,
        -- decimal(18, 6) (as exact as the hourly costs): a product with a profile share then
        -- stays exact on every engine (Spark rounds a wider product to 6 digits before the pace
        -- test divides by it)
        cast(sum(hourly_cost) over (
            partition by cost_center, cost_date
            order by hour_of_day
            rows between {{ window_hours - 1 }} preceding and current row
        ) as decimal(18, 6)) as window_cost,
        cast(coalesce(sum(hourly_cost) over (
            partition by cost_center, cost_date
            order by hour_of_day
            rows between unbounded preceding and {{ window_hours }} preceding
        ), 0) as decimal(18, 6)) as before_window_cost
    from day_hours

),

expected as (

    select
        days.cost_center,
        days.day_type,
        running.hour_of_day,
        running.cumulative_cost,
        running.window_cost,
        running.before_window_cost,
        coalesce(window_start.cumulative_share, 0) as share_before_window,
        profiles.cumulative_share - coalesce(window_start.cumulative_share, 0) as share_of_window,
        cast(days.expected_daily_cost * profiles.cumulative_share as decimal(18, 6)) as expected_cumulative,
        cast(
            days.expected_daily_cost
            * (profiles.cumulative_share - coalesce(window_start.cumulative_share, 0))
            as decimal(18, 6)
        ) as expected_window
    from days
    inner join running
        on days.cost_center = running.cost_center
            and days.cost_date = running.cost_date
    inner join profiles
        on days.cost_center = profiles.cost_center
            and days.day_type = profiles.day_type
            and running.hour_of_day = profiles.hour_of_day
    left join profiles as window_start
        on days.cost_center = window_start.cost_center
            and days.day_type = window_start.day_type
            and window_start.hour_of_day = running.hour_of_day - {{ window_hours }}

),

deviations as (

    select
        cost_center,
        day_type,
        hour_of_day,
        'cumulative' as measure,
        abs({{ money_pct('cumulative_cost - expected_cumulative', 'expected_cumulative') }}) as deviation_pct
    from expected
    where expected_cumulative > 0
    union all
    select
        cost_center,
        day_type,
        hour_of_day,
        'window' as measure,
        abs({{ money_pct('window_cost - expected_window', 'expected_window') }}) as deviation_pct
    from expected
    where expected_window > 0
    union all
    -- the window's cost against what the day's own pace before it predicts for the window
    select
        cost_center,
        day_type,
        hour_of_day,
        'pace' as measure,
        abs({{ money_pct(
            'window_cost * share_before_window - share_of_window * before_window_cost',
            'share_of_window * before_window_cost'
        ) }}) as deviation_pct
    from expected
    where share_before_window >= {{ pace_min_share }}
        and share_of_window > 0
        and before_window_cost > 0

),

ranked as (

    select
        *,
        row_number() over (
            partition by cost_center, day_type, hour_of_day, measure order by deviation_pct
        ) as deviation_rank,
        count(*) over (partition by cost_center, day_type, hour_of_day, measure) as sample_days
    from deviations

),

medians as (

    select
        cost_center,
        day_type,
        hour_of_day,
        measure,
        max(sample_days) as sample_days,
        cast(avg(deviation_pct) as decimal(38, 6)) as median_deviation_pct
    from ranked
    where
        deviation_rank = {{ int_div('sample_days + 1', '2') }}
        or deviation_rank = {{ int_div('sample_days + 2', '2') }}
    group by 1, 2, 3, 4

),

measured as (

    select
        profiles.cost_center,
        profiles.day_type,
        profiles.hour_of_day,
        cast(coalesce(cumulative.sample_days, 0) as integer) as sample_days,
        cast(cumulative.median_deviation_pct * 1.4826 as decimal(18, 6)) as cumulative_dispersion_pct,
        cast(window_stats.median_deviation_pct * 1.4826 as decimal(18, 6)) as window_dispersion_pct,
        cast(pace.median_deviation_pct * 1.4826 as decimal(18, 6)) as pace_dispersion_pct,
        case
            when cumulative.sample_days >= {{ min_days }}
                then cast(cumulative.median_deviation_pct * 1.4826 * {{ intraday_k }} as decimal(18, 6))
        end as cumulative_band_end_pct,
        case
            when window_stats.sample_days >= {{ min_days }}
                then cast(window_stats.median_deviation_pct * 1.4826 * {{ intraday_k }} as decimal(18, 6))
        end as window_band_end_pct,
        case
            when pace.sample_days >= {{ min_days }}
                -- rounded to 0.0001 %: the median's last digit differs between engines (Spark
                -- divides decimals at scale 6), and a band needs no finer grain
                then cast(round(pace.median_deviation_pct * 1.4826 * {{ pace_k }}, 4) as decimal(18, 6))
        end as pace_band_end_pct
    from profiles
    left join medians as cumulative
        on profiles.cost_center = cumulative.cost_center
            and profiles.day_type = cumulative.day_type
            and profiles.hour_of_day = cumulative.hour_of_day
            and cumulative.measure = 'cumulative'
    left join medians as window_stats
        on profiles.cost_center = window_stats.cost_center
            and profiles.day_type = window_stats.day_type
            and profiles.hour_of_day = window_stats.hour_of_day
            and window_stats.measure = 'window'
    left join medians as pace
        on profiles.cost_center = pace.cost_center
            and profiles.day_type = pace.day_type
            and profiles.hour_of_day = pace.hour_of_day
            and pace.measure = 'pace'

),

final as (

    select
        {{ surrogate_key(['this_hour.cost_center', 'this_hour.day_type', 'this_hour.hour_of_day']) }}
            as intraday_band_id,
        this_hour.cost_center,
        this_hour.day_type,
        this_hour.hour_of_day,
        this_hour.sample_days,
        this_hour.cumulative_dispersion_pct,
        this_hour.window_dispersion_pct,
        this_hour.pace_dispersion_pct,
        case
            when previous_hour.hour_of_day is null then this_hour.cumulative_band_end_pct
            else greatest(this_hour.cumulative_band_end_pct, previous_hour.cumulative_band_end_pct)
        end as cumulative_band_pct,
        case
            when previous_hour.hour_of_day is null then this_hour.window_band_end_pct
            else greatest(this_hour.window_band_end_pct, previous_hour.window_band_end_pct)
        end as window_band_pct,
        case
            when previous_hour.hour_of_day is null then this_hour.pace_band_end_pct
            else greatest(this_hour.pace_band_end_pct, previous_hour.pace_band_end_pct)
        end as pace_band_pct
    from measured as this_hour
    left join measured as previous_hour
        on this_hour.cost_center = previous_hour.cost_center
            and this_hour.day_type = previous_hour.day_type
            and previous_hour.hour_of_day = this_hour.hour_of_day - 1

)

select * from final
