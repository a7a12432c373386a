{#-
    Null count per billing month and column of the FOCUS export (every column; the quality checks
    pick the ones the FOCUS spec marks not nullable).
-#}
{%- set focus = ref('focus_cost_and_usage') %}
{%- set columns = adapter.get_columns_in_relation(focus) if execute else [] %}

with

focus_rows as (

    select * from {{ focus }}

),

final as (

    {% for column in columns -%}
        select
            {{ surrogate_key([month_start('"BillingPeriodStart"'), "'" ~ column.name ~ "'"]) }} as focus_null_id,
            {{ month_start('"BillingPeriodStart"') }} as month,
            '{{ column.name }}' as column_name,
            cast(count(*) as bigint) as focus_rows,
            cast(count(*) - count({{ adapter.quote(column.name) }}) as bigint) as null_count
        from focus_rows
        group by {{ month_start('"BillingPeriodStart"') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor -%}
    {%- if not columns %}
        select
            cast(null as varchar) as focus_null_id,
            cast(null as date) as month,
            cast(null as varchar) as column_name,
            cast(null as bigint) as focus_rows,
            cast(null as bigint) as null_count
        from focus_rows
        where 1 = 0
    {%- endif %}

)

select * from final
