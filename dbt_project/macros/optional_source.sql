{#-
    The rows of an optional raw table (one a pipeline may not have written yet on this warehouse):
    `select *` from the source when the relation exists, else no rows with the given typed columns.
    columns: ordered list of [name, sql type] pairs.
-#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- set found = load_relation(src) if execute else none -%}
    {%- if found is not none -%}
        select * from {{ src }}
    {%- else -%}
        select
        {%- for name, type in columns %}
            cast(null as {{ type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where 1 = 0
    {%- endif -%}
{%- endmacro %}
