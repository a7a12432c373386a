{#-
    A JSON object (FOCUS KeyValueFormat) as text from pairs [(key, sql_expression), ...].
    Keys are literals; values keep their SQL type (strings quoted, numbers as numbers, null as null).
-#}
{% macro focus_json_object(pairs) -%}
    {{ return(adapter.dispatch('focus_json_object')(pairs)) }}
{%- endmacro %}

{% macro duckdb__focus_json_object(pairs) -%}
    cast(json_object(
        {%- for key, value in pairs %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as varchar)
{%- endmacro %}

{% macro default__focus_json_object(pairs) -%}
    cast(jsonb_build_object(
        {%- for key, value in pairs %}
        cast('{{ key }}' as text), {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as text)
{%- endmacro %}

{#- A UTC timestamp (no time zone) for midnight of a date: FOCUS date-times are UTC. -#}
{% macro focus_datetime(date_expression) -%}
    cast({{ date_expression }} as timestamp)
{%- endmacro %}
