{#-
    Incremental by date with a lookback for late data.

    Models set  materialized='incremental', incremental_strategy='window_replace',
    window_column='<date column>'. On an incremental run the model selects rows with
    window_column >= incremental_window_start(this) and the strategy below deletes the same range
    from the target before inserting: a date range is always replaced as a whole, so an
    incremental run ends with exactly the rows a full refresh would produce for that range.

    Window start = newest built date - var('lookback_days'). Models with
    restate_on_registry_change=true move it back further to the earliest effective date of any
    registry row (cost-center mapping, rate card) that changed since the last build, and to the
    usage date of any record whose manual attribution changed: a re-mapping restates exactly the
    periods it affects. (A model without source_record_id, e.g. fct_cost_center_daily, names
    where that date is found: restate_dates_from='fct_usage_cost', restate_dates_column='usage_date'.)
    The registry state applied by the last build is kept in
    <model>__applied_registry (written by the post-hook save_applied_registry()).
-#}

{% macro applied_registry_relation(relation) -%}
    {{ return(api.Relation.create(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier ~ '__applied_registry',
        type='table'
    )) }}
{%- endmacro %}

{% macro incremental_window_start(relation) -%}
    {%- set window_column = config.get('window_column') -%}
    {%- if not execute -%}
        {{ return("cast('1900-01-01' as date)") }}
    {%- endif -%}
    {%- set lookback = var('lookback_days') | int -%}
    {%- set newest = run_query(
        'select cast(max(' ~ window_column ~ ') as varchar) from ' ~ relation
    ).columns[0].values()[0] -%}
    {%- if newest is none -%}
        {{ return("cast('1900-01-01' as date)") }}
    {%- endif -%}
    {%- set start = modules.datetime.date.fromisoformat(newest[:10]) - modules.datetime.timedelta(days=lookback) -%}
    {%- if config.get('restate_on_registry_change') -%}
        {%- set restate = registry_restatement_start(relation) -%}
        {%- if restate is not none and restate < start -%}
            {%- set start = restate -%}
        {%- endif -%}
    {%- endif -%}
    {{ return("cast('" ~ start.isoformat() ~ "' as date)") }}
{%- endmacro %}

{#- The earliest date whose rows a registry/manual-attribution change affects, or none. -#}
{% macro registry_restatement_start(relation) -%}
    {%- set state = applied_registry_relation(relation) -%}
    {%- set existing = adapter.get_relation(database=state.database, schema=state.schema, identifier=state.identifier) -%}
    {%- if existing is none -%}
        {{ return(modules.datetime.date(1900, 1, 1)) }}
    {%- endif -%}
    {%- set state_columns = adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
    {%- if 'payload_hash' not in state_columns -%}
        {#- written by an older version of this project: restate everything once -#}
        {{ return(modules.datetime.date(1900, 1, 1)) }}
    {%- endif -%}
    {%- set current = ref('int_registry_fingerprint') -%}
    {#- where a manually attributed record's date is found: the model itself, or (config
        restate_dates_from / restate_dates_column) an upstream model with source_record_id -#}
    {%- if config.get('restate_dates_from') -%}
        {%- set dates_relation = ref(config.get('restate_dates_from')) -%}
        {%- set dates_column = config.get('restate_dates_column') -%}
    {%- else -%}
        {%- set dates_relation = relation -%}
        {%- set dates_column = config.get('window_column') -%}
    {%- endif -%}
    {%- set query -%}
        with

        current_state as (

            select * from {{ current }}

        ),

        applied_state as (

            select * from {{ state }}

        ),

        changed as (

            select
                coalesce(current_state.kind, applied_state.kind) as kind,
                coalesce(current_state.record_key, applied_state.record_key) as record_key,
                case
                    when current_state.record_key is null then applied_state.effective_from
                    when applied_state.record_key is null then current_state.effective_from
                    when current_state.payload_hash = applied_state.payload_hash
                        then least(
                            coalesce(current_state.effective_to, cast('9999-12-31' as date)),
                            coalesce(applied_state.effective_to, cast('9999-12-31' as date))
                        )
                    else least(current_state.effective_from, applied_state.effective_from)
                end as restate_from
            from current_state
            full outer join applied_state
                on current_state.kind = applied_state.kind
                and current_state.record_key = applied_state.record_key
            where current_state.content_hash is distinct from applied_state.content_hash

        ),

        registry_dates as (

            select min(restate_from) as restate_from
            from changed
            where kind <> 'manual_attribution'

        ),

        manual_dates as (

            select min(target.{{ dates_column }}) as restate_from
            from {{ dates_relation }} as target
            inner join changed
                on changed.kind = 'manual_attribution'
                and target.source_record_id = changed.record_key

        )

        select cast(least(
            coalesce(registry_dates.restate_from, manual_dates.restate_from),
            coalesce(manual_dates.restate_from, registry_dates.restate_from)
        ) as varchar)
        from registry_dates cross join manual_dates
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {%- if value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(modules.datetime.date.fromisoformat(value[:10])) }}
{%- endmacro %}

{#- Post-hook statements: remember the registry state this build applied. -#}
{% macro save_applied_registry() -%}
    {%- set state = applied_registry_relation(this) -%}
    drop table if exists {{ state }};
    create table {{ state }} as select * from {{ ref('int_registry_fingerprint') }}
{%- endmacro %}

{#- Custom incremental strategy: replace the whole date window (see the header). -#}
{% macro get_incremental_window_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set window_column = config.get('window_column') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set window_start = incremental_window_start(target) -%}
    delete from {{ target }}
    where {{ window_column }} >= {{ window_start }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ temp }};

    {{ record_incremental_window(target, window_start) }}
{%- endmacro %}

{#-
    The window an incremental run replaced, kept in <model>__incremental_window (one row,
    window_start) so the model's data tests in the same `dbt build` can check just that window
    (see get_where_subquery in macros/test_window.sql).
-#}
{% macro incremental_window_relation(relation) -%}
    {{ return(api.Relation.create(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier ~ '__incremental_window',
        type='table'
    )) }}
{%- endmacro %}

{% macro record_incremental_window(relation, window_start) -%}
    {%- set state = incremental_window_relation(relation) -%}
    drop table if exists {{ state }};
    create table {{ state }} as select {{ window_start }} as window_start
{%- endmacro %}

{#- Pre-hook: a full (re)build has no replaced window - forget the last one. -#}
{% macro clear_incremental_window() -%}
    {%- if not is_incremental() -%}
        drop table if exists {{ incremental_window_relation(this) }}
    {%- endif -%}
{%- endmacro %}
