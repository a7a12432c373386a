{#- Forecast rows: lower_95 <= lower_80 <= forecast_cost <= upper_80 <= upper_95, and the month-end
    forecast is at least the month-to-date cost plus the remaining committed cost (costs are >= 0). -#}
{% test forecast_bands_ordered(model) %}
    select *
    from {{ model }}
    where forecast_cost is not null
        and (
            lower_95 > lower_80
            or lower_80 > forecast_cost
            or forecast_cost > upper_80
            or upper_80 > upper_95
            or lower_95 < month_to_date_cost + coalesce(remaining_committed_cost, 0) - 0.01
        )
{% endtest %}
