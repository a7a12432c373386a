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
