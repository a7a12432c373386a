{#-
    Month-end forecast per cost center (and the all-cost-centers total) against its budget.

    forecast_cost = month_to_date_cost + the usage point forecast of the rest of the month (ETS and
    seasonal naive combined) + the known committed pool cost of the remaining days; the bands come
    from the replayed-error paths' month totals (forecast/model.py). budget = the cost center's budget in force for the month (the total: the sum of them).
    thresholds_crossed = the budget's alert thresholds (percent) reached by the compared value:
    the forecast's 80 % lower bound (alert_on = forecast) or the month-to-date cost (actual).
-#}

with

forecast as (

    select * from {{ source('forecast', 'forecast_cost_monthly') }}

),

budgets as (

    select * from {{ ref('stg_config__budgets') }}

),

centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

center_budgets as (

    select
        forecast.cost_center,
        forecast.month,
        budgets.amount as budget,
        budgets.currency as budget_currency,
        coalesce(budgets.owner, centers.owner) as budget_owner,
        budgets.alert_thresholds_pct,
        budgets.alert_on
    from forecast
    inner join budgets
        on forecast.cost_center = budgets.cost_center
            and forecast.month >= budgets.effective_from
            and (budgets.effective_to is null or forecast.month < budgets.effective_to)
    left join centers
        on budgets.cost_center = centers.cost_center

),

total_budgets as (

    select
        '{{ var("forecast_total_cost_center", "ALL") }}' as cost_center,
        months.month,
        sum(budgets.amount) as budget,
        min(budgets.currency) as budget_currency,
        cast(null as varchar) as budget_owner,
        '{{ var("forecast_total_thresholds_pct", "80;100") }}' as alert_thresholds_pct,
        'forecast' as alert_on
    from (select distinct month from forecast) as months
    inner join budgets
        on months.month >= budgets.effective_from
            and (budgets.effective_to is null or months.month < budgets.effective_to)
    group by 1, 2

),

all_budgets as (

    select * from center_budgets
    union all
    select * from total_budgets

),

threshold_parts as (

    {# up to 5 ';'-separated thresholds; literal positions (PostgreSQL's split_part needs a constant) -#}
    {% for position in range(1, 6) -%}
        select
            cost_center,
            month,
            {{ dbt.split_part('alert_thresholds_pct', "';'", position) }} as threshold_text
        from all_budgets
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

thresholds as (

    select
        cost_center,
        month,
        cast(threshold_text as decimal(9, 3)) as threshold_pct
    from threshold_parts
    where threshold_text <> ''

),

crossed as (

    select
        thresholds.cost_center,
        thresholds.month,
        max(thresholds.threshold_pct) as highest_threshold_crossed_pct,
        {{ dbt.listagg(
            "cast(cast(thresholds.threshold_pct as decimal(9, 0)) as varchar)",
            "';'",
            "order by thresholds.threshold_pct"
        ) }} as thresholds_crossed
    from thresholds
    inner join all_budgets
        on thresholds.cost_center = all_budgets.cost_center
            and thresholds.month = all_budgets.month
    inner join forecast
        on thresholds.cost_center = forecast.cost_center
            and thresholds.month = forecast.month
    where
        case
            when all_budgets.alert_on = 'actual' then forecast.month_to_date_cost
            else forecast.lower_80
        end >= all_budgets.budget * thresholds.threshold_pct / 100
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['forecast.cost_center', 'forecast.month']) }} as forecast_month_id,
        cast(forecast.cost_center as varchar) as cost_center,
        cast(forecast.month as date) as month,
        cast(forecast.currency as varchar) as currency,
        cast(forecast.month_to_date_cost as decimal(18, 6)) as month_to_date_cost,
        cast(forecast.remaining_committed_cost as decimal(18, 6)) as remaining_committed_cost,
        cast(forecast.forecast_cost as decimal(18, 6)) as forecast_cost,
        cast(forecast.lower_80 as decimal(18, 6)) as lower_80,
        cast(forecast.upper_80 as decimal(18, 6)) as upper_80,
        cast(forecast.lower_95 as decimal(18, 6)) as lower_95,
        cast(forecast.upper_95 as decimal(18, 6)) as upper_95,
        cast(all_budgets.budget as decimal(18, 6)) as budget,
        cast(all_budgets.budget_owner as varchar) as budget_owner,
        cast(all_budgets.alert_thresholds_pct as varchar) as alert_thresholds_pct,
        cast(all_budgets.alert_on as varchar) as alert_on,
        cast(crossed.thresholds_crossed as varchar) as thresholds_crossed,
        cast(crossed.highest_threshold_crossed_pct as decimal(9, 3)) as highest_threshold_crossed_pct,
        cast(forecast.forecast_as_of as date) as forecast_as_of,
        cast(forecast.days_in_month as integer) as days_in_month,
        cast(forecast.days_elapsed as integer) as days_elapsed,
        cast(forecast.history_days as integer) as history_days,
        cast(forecast.method as varchar) as method,
        cast(forecast.reason as varchar) as reason,
        cast(forecast.run_id as varchar) as run_id
    from forecast
    left join all_budgets
        on forecast.cost_center = all_budgets.cost_center
            and forecast.month = all_budgets.month
    left join crossed
        on forecast.cost_center = crossed.cost_center
            and forecast.month = crossed.month

)

select * from final
