{#- The guardrail day type of a date: 'weekend' (Saturday, Sunday) or 'weekday' (the receiver's rule too). -#}
{% macro guardrail_day_type(date_expression) -%}
    case
        when {{ dbt.datediff(iso_week_start(date_expression), date_expression, 'day') }} >= 5 then 'weekend'
        else 'weekday'
    end
{%- endmacro %}
