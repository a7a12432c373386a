{#-
    Data tests on incremental models check only the window the run rebuilt.

    A generic test on an incremental model (int_conversations, fct_usage_cost,
    fct_cost_center_daily, fct_guardrail_baselines) sets
        config: {where: "<window column> >= __incremental_window_start__"}
    dbt renders `where` at parse time (no custom macros there), so this override of dbt's
    get_where_subquery swaps the placeholder at run time:
      * inside `dbt build` without --full-refresh, after the model ran incrementally: the first
        date that run replaced (kept in <model>__incremental_window by the window_replace
        strategy) - a key's uniqueness, not-null and relationships are still checked across the
        whole rebuilt window (older dates are unchanged since their own build checked them);
      * --full-refresh, a first build, `dbt test`, or var full_data_tests=true: no filter, the
        whole table is checked.
    Any other `where` behaves as in dbt.
-#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set placeholder = '__incremental_window_start__' -%}
    {%- if where and placeholder in where -%}
        {%- set window_start = tested_window_start(relation) -%}
        {%- if window_start is none -%}
            {%- do return(relation) -%}
        {%- endif -%}
        {%- set where = where | replace(placeholder, window_start) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The window start (SQL date literal) to test, or none for a full-table test. -#}
{% macro tested_window_start(relation) -%}
    {%- if not execute or flags.FULL_REFRESH or flags.WHICH != 'build' or var('full_data_tests', false) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set state = incremental_window_relation(relation) -%}
    {#- written by this very run, so not in dbt's relation cache: ask the catalog -#}
    {%- if not catalog_has_table(state.schema, state.identifier) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set value = run_query('select cast(window_start as varchar) from ' ~ state).columns[0].values() -%}
    {%- if value | length == 0 or value[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return("cast('" ~ value[0][:10] ~ "' as date)") }}
{%- endmacro %}

{#- Whether the catalog has schema.identifier now (not dbt's relation cache). -#}
{% macro catalog_has_table(schema, identifier) -%}
    {{ return(adapter.dispatch('catalog_has_table')(schema, identifier)) }}
{%- endmacro %}

{% macro default__catalog_has_table(schema, identifier) -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_schema = '" ~ schema
        ~ "' and table_name = '" ~ identifier ~ "'"
    ).columns[0].values()[0] -%}
    {{ return(found | int > 0) }}
{%- endmacro %}
