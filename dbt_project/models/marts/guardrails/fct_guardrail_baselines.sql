{#-
    Guardrail baselines per cost center and day, for the policy in force (var guardrail_policy_mode)
    and, always beside it, the seed's flat rule.

    expected (default): the expected daily cost is the robust median of the same weekday over the
    var('guardrail_weekday_weeks') weeks before the scored day (the scored day never trains its own
    baseline; past anomalies move a median little, so no day is dropped), its dispersion is
    1.4826 x the median absolute deviation of those samples in % of the expected cost, and the
    band is the cost center's band widened to var('guardrail_dispersion_k') x dispersion when that
    is wider. A day breaches when its cost is above the upper bound AND exceeds the expected cost
    by at least the floor (relative and material): var('guardrail_floor_pct') % of the expected daily
    cost (materiality scaled to the cost center), never below var('guardrail_floor_amount').
    flat (the seed's rule): mean daily cost of the var('guardrail_baseline_days') days before the
    scored day ± band (baseline_30d, seed_lower_bound, seed_upper_bound, seed_status).
    Band: config_cost_centers.guardrail_band_pct, else var('guardrail_default_band_pct').
-#}

{%- set window_days = var('guardrail_baseline_days', 30) | int -%}
{%- set min_history_days = var('guardrail_min_history_days', 7) | int -%}
{%- set default_band_pct = var('guardrail_default_band_pct', 15) -%}
{%- set weekday_weeks = var('guardrail_weekday_weeks', 8) | int -%}
{%- set min_history_weeks = var('guardrail_min_history_weeks', 4) | int -%}
{%- set dispersion_k = var('guardrail_dispersion_k', 3) -%}
{%- set floor_amount = var('guardrail_floor_amount', 5) -%}
{%- set floor_pct = var('guardrail_floor_pct', 0) -%}
{%- set policy_mode = var('guardrail_policy_mode', 'expected') -%}
{%- if policy_mode not in ['expected', 'flat'] -%}
    {{ exceptions.raise_compiler_error("var guardrail_policy_mode must be 'expected' or 'flat', got " ~ policy_mode) }}
{%- endif -%}

with

daily as (

    select * from {{ ref('fct_cost_center_daily') }}

),

cost_centers as (

    select * from {{ ref('dim_cost_centers') }}

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

-- the same weekday in each of the previous weeks, ranked by cost (for exact medians)
same_weekday as (

    select
        scored.cost_center,
        scored.cost_date,
        earlier.daily_cost as sample_cost,
        row_number() over (
            partition by scored.cost_center, scored.cost_date order by earlier.daily_cost, earlier.cost_date
        ) as sample_rank,
        count(*) over (partition by scored.cost_center, scored.cost_date) as sample_count
    from daily as scored
    inner join daily as earlier
        on scored.cost_center = earlier.cost_center
            and scored.cost_date > earlier.cost_date
            and scored.cost_date
            <= cast({{ dbt.dateadd('day', 7 * weekday_weeks, 'earlier.cost_date') }} as date)
            and {{ int_mod(dbt.datediff('earlier.cost_date', 'scored.cost_date', 'day'), 7) }} = 0

),

expected as (

    select
        cost_center,
        cost_date,
        max(sample_count) as weekday_history_weeks,
        {{ money_div('sum(sample_cost)', 'count(*)') }} as expected_daily_cost
    from same_weekday
    where
        sample_rank = {{ int_div('sample_count + 1', '2') }}
        or sample_rank = {{ int_div('sample_count + 2', '2') }}
    group by 1, 2

),

deviations as (

    select
        same_weekday.cost_center,
        same_weekday.cost_date,
        abs(same_weekday.sample_cost - expected.expected_daily_cost) as deviation,
        row_number() over (
            partition by same_weekday.cost_center, same_weekday.cost_date
            order by abs(same_weekday.sample_cost - expected.expected_daily_cost)
        ) as deviation_rank,
        same_weekday.sample_count
    from same_weekday
    inner join expected
        on same_weekday.cost_center = expected.cost_center
            and same_weekday.cost_date = expected.cost_date

),

mad as (

    select
        cost_center,
        cost_date,
        {{ money_div('sum(deviation)', 'count(*)') }} as median_absolute_deviation
    from deviations
    where
        deviation_rank = {{ int_div('sample_count + 1', '2') }}
        or deviation_rank = {{ int_div('sample_count + 2', '2') }}
    group by 1, 2

),

banded as (

    select
        trailing_days.*,
        cast(
            coalesce(cost_centers.guardrail_band_pct, {{ default_band_pct }}) as decimal(18, 6)
        ) as guardrail_band_pct,
        {{ money_div('trailing_days.trailing_cost', 'trailing_days.history_days') }} as baseline_30d,
        expected.expected_daily_cost,
        cast(coalesce(expected.weekday_history_weeks, 0) as integer) as weekday_history_weeks,
        case
            when expected.expected_daily_cost > 0
                then {{ micros_to_decimal(int_div_round(
                    to_micros('mad.median_absolute_deviation') ~ ' * 148260000',
                    to_micros('expected.expected_daily_cost')
                )) }}
        end as dispersion_pct
    from trailing_days
    left join cost_centers
        on trailing_days.cost_center = cost_centers.cost_center
    left join expected
        on trailing_days.cost_center = expected.cost_center
            and trailing_days.cost_date = expected.cost_date
    left join mad
        on trailing_days.cost_center = mad.cost_center
            and trailing_days.cost_date = mad.cost_date

),

widened as (

    select
        *,
        cast(greatest(
            guardrail_band_pct,
            coalesce(dispersion_pct, 0) * cast({{ dispersion_k }} as decimal(18, 6))
        ) as decimal(18, 6)) as effective_band_pct
    from banded

),

bounded as (

    select
        *,
        {{ scale_by_pct('baseline_30d', '-guardrail_band_pct') }} as seed_lower_bound,
        {{ scale_by_pct('baseline_30d', 'guardrail_band_pct') }} as seed_upper_bound,
        greatest(
            {{ scale_by_pct('expected_daily_cost', '-effective_band_pct') }}, cast(0 as decimal(18, 6))
        ) as expected_lower_bound,
        {{ scale_by_pct('expected_daily_cost', 'effective_band_pct') }} as expected_upper_bound,
        greatest(
            cast({{ floor_amount }} as decimal(18, 6)),
            coalesce({{ scale_by_pct('expected_daily_cost', floor_pct ~ ' - 100') }}, 0)
        ) as floor_amount
    from widened

),

statuses as (

    select
        *,
        case
            when history_days < {{ min_history_days }} then 'insufficient_history'
            when daily_cost > seed_upper_bound then 'breach'
            when daily_cost < seed_lower_bound then 'below'
            else 'within'
        end as seed_status,
        case
            when weekday_history_weeks < {{ min_history_weeks }} then 'insufficient_history'
            when daily_cost > expected_upper_bound
                and daily_cost - expected_daily_cost >= floor_amount
                then 'breach'
            when daily_cost < expected_lower_bound then 'below'
            else 'within'
        end as expected_status
    from bounded

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
        {%- if policy_mode == 'expected' %}
            expected_lower_bound as lower_bound,
            expected_upper_bound as upper_bound,
        {%- else %}
            seed_lower_bound as lower_bound,
            seed_upper_bound as upper_bound,
        {%- endif %}
        cast(history_days as integer) as history_days,
        {%- if policy_mode == 'expected' %}
            expected_status as status,
        {%- else %}
            seed_status as status,
        {%- endif %}
        '{{ policy_mode }}' as policy_mode,
        expected_daily_cost,
        weekday_history_weeks,
        dispersion_pct,
        effective_band_pct,
        floor_amount,
        expected_lower_bound,
        expected_upper_bound,
        expected_status,
        seed_lower_bound,
        seed_upper_bound,
        seed_status
    from statuses

)

select * from final
