{#-
    Exact division of a non-negative money amount by a positive integer count, rounded half up
    to 6 decimals, returned as DECIMAL(18,6). DuckDB turns DECIMAL division into DOUBLE, so the
    amount is turned into integer micro-units, divided with integer arithmetic and converted back.
    Null when the count is null or 0 (the caller says why in a *_reason column).
-#}
{% macro money_div(numerator, denominator) -%}
    cast(case
        when ({{ denominator }}) is null or ({{ denominator }}) = 0 then null
        when ({{ numerator }}) is null then null
        else {{ micros_to_decimal(int_div(
            '2 * cast(cast(' ~ numerator ~ ' as decimal(38, 6)) * 1000000 as ' ~ wide_int() ~ ') + ('
                ~ denominator ~ ')',
            '2 * (' ~ denominator ~ ')'
        )) }}
    end as decimal(18, 6))
{%- endmacro %}

{#- amount * (100 + pct) / 100 as DECIMAL(18,6), without division (pct may be negative). -#}
{% macro scale_by_pct(amount, pct) -%}
    cast(
        cast({{ amount }} as decimal(18, 6))
        * (100 + cast({{ pct }} as decimal(18, 6)))
        * cast(0.01 as decimal(18, 6))
        as decimal(18, 6)
    )
{%- endmacro %}

{#- The Monday of the ISO week of a date, as a DATE, on every adapter. -#}
{% macro iso_week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', 'cast(' ~ date_expression ~ ' as timestamp)') }} as date)
{%- endmacro %}

{#- The first day of the month of a date, as a DATE, on every adapter. -#}
{% macro month_start(date_expression) -%}
    cast({{ dbt.date_trunc('month', 'cast(' ~ date_expression ~ ' as timestamp)') }} as date)
{%- endmacro %}
