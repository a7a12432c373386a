{#- Small cross-database helpers (dispatched: default = DuckDB / PostgreSQL, spark__ for Spark). -#}

{#- The values of a group joined by a delimiter, in the order of order_by (an aggregate). -#}
{% macro ordered_string_agg(value_column, delimiter_text, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg')(value_column, delimiter_text, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(value_column, delimiter_text, order_by) -%}
    string_agg({{ value_column }}, {{ delimiter_text }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(value_column, delimiter_text, order_by) -%}
    listagg({{ value_column }}, {{ delimiter_text }}) within group (order by {{ order_by }})
{%- endmacro %}

{#- Whole days from start_date to end_date (dates; end - start). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{#-
    A key part as text, identical on every adapter (surrogate keys must not change with the
    warehouse): timestamps with time zone read '2026-08-29 23:30:00.5+00' (UTC sessions).
-#}
{% macro key_text(expression) -%}
    {{ return(adapter.dispatch('key_text')(expression)) }}
{%- endmacro %}

{% macro default__key_text(expression) -%}
    cast({{ expression }} as varchar)
{%- endmacro %}

{% macro spark__key_text(expression) -%}
    case
        when typeof({{ expression }}) = 'timestamp' then concat(cast({{ expression }} as string), '+00')
        else cast({{ expression }} as string)
    end
{%- endmacro %}

{#- The wall-clock time (timestamp without time zone) in time zone `tz` of an instant. -#}
{% macro local_timestamp(expression, tz) -%}
    {{ return(adapter.dispatch('local_timestamp')(expression, tz)) }}
{%- endmacro %}

{% macro default__local_timestamp(expression, tz) -%}
    cast(cast({{ expression }} as timestamp with time zone) at time zone '{{ tz }}' as timestamp)
{%- endmacro %}

{% macro spark__local_timestamp(expression, tz) -%}
    from_utc_timestamp({{ expression }}, '{{ tz }}')
{%- endmacro %}

{#- A table of the integers start..stop (inclusive), one column; alias it: `{{ integer_series(0, 23) }} as g (h)`. -#}
{% macro integer_series(start, stop) -%}
    {{ return(adapter.dispatch('integer_series')(start, stop)) }}
{%- endmacro %}

{% macro default__integer_series(start, stop) -%}
    generate_series({{ start }}, {{ stop }})
{%- endmacro %}

{% macro spark__integer_series(start, stop) -%}
    range({{ start }}, {{ stop }} + 1)
{%- endmacro %}
