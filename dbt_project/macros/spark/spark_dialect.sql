{#-
    Apache Spark (dbt-spark, target `spark`): the project's SQL runs unchanged; what Spark spells
    differently lives here as spark__ implementations of the project's dispatched macros.

    * Types and quoting: `varchar` without a length is `string` on Spark and "identifiers" are
      `identifiers` (statement() below translates both, outside string literals, in every
      statement dbt sends, so models keep their portable SQL); wide integers are decimal(38, 0).
    * Several statements in one hook / macro (`drop ...; create ...`) are sent one by one.
    * Raw tables are parquet folders (ingestion/lake.py), registered as external tables in
      on-run-start (spark__ensure_optional_raw_tables).
    * Incremental models keep incremental_strategy='window_replace': on Spark the window's rows
      are written to a parquet staging table, then the target (parquet, partitioned by the
      window column, i.e. by day) is rewritten with INSERT OVERWRITE of those day partitions
      (dynamic partition overwrite); days of the window that no longer have rows are dropped.
    * Snapshots need MERGE (Delta / Iceberg / Hudi); on plain parquet they are disabled
      (dbt_project.yml, `+enabled` on target.type) - see README "Apache Spark".
    * dbt-spark runs with ANSI mode off (a bad cast is null, not an error): the not_null tests on
      cost columns (and assert_no_null_cost) catch a null cost.
-#}

{#- dbt's statement(), plus the two Spark translations above (identical on other adapters). -#}
{%- macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
  {%- if execute: -%}
    {%- set compiled_code = caller() -%}

    {%- if name == 'main' -%}
      {{ log('Writing runtime {} for node "{}"'.format(language, model['unique_id'])) }}
      {{ write(compiled_code) }}
    {%- endif -%}
    {%- if language == 'sql' and target.type in ('spark', 'databricks') -%}
      {%- set parts = spark_statements(compiled_code) -%}
      {%- for part in parts[:-1] -%}
        {%- do adapter.execute(part, auto_begin=auto_begin, fetch=False) -%}
      {%- endfor -%}
      {%- set res, table = adapter.execute(parts[-1], auto_begin=auto_begin, fetch=fetch_result) -%}
    {%- elif language == 'sql' -%}
      {%- set res, table = adapter.execute(compiled_code, auto_begin=auto_begin, fetch=fetch_result) -%}
    {%- elif language == 'python' -%}
      {%- set res = submit_python_job(model, compiled_code) -%}
      {%- set table = None -%}
    {%- else -%}
      {% do exceptions.raise_compiler_error("statement macro didn't get supported language") %}
    {%- endif -%}

    {%- if name is not none -%}
      {{ store_result(name, response=res, agate_table=table) }}
    {%- endif -%}

  {%- endif -%}
{%- endmacro %}

{#- Spark SQL text (spark_types), split into statements at every `;` outside literals and comments. -#}
{% macro spark_statements(sql) -%}
    {%- set translated = spark_types(sql) -%}
    {%- set pieces = modules.re.split("(?s)('(?:[^'\\\\]|\\\\.|'')*'|--[^\\n]*|/\\*.*?\\*/)", translated) -%}
    {%- set parts = [] -%}
    {%- set current = [] -%}
    {%- for piece in pieces -%}
        {%- if loop.index0 % 2 == 1 -%}
            {%- do current.append(piece) -%}
        {%- else -%}
            {%- set chunks = piece.split(';') -%}
            {%- for chunk in chunks -%}
                {%- do current.append(chunk) -%}
                {%- if not loop.last -%}
                    {%- do parts.append(current | join('')) -%}
                    {%- do current.clear() -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do parts.append(current | join('')) -%}
    {%- set statements = [] -%}
    {%- for part in parts -%}
        {#- a part with only comments / blanks is no statement -#}
        {%- if modules.re.sub("(?s)--[^\\n]*|/\\*.*?\\*/", '', part).strip() -%}
            {%- do statements.append(part) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements if statements else [translated]) }}
{%- endmacro %}

{#-
    Outside string literals and comments: a bare `varchar` (no length) is `string` on Spark,
    `timestamp with time zone` / `timestamptz` is `timestamp` (Spark's timestamp is an instant),
    `double precision` is `double`,
    and a "double-quoted" identifier is `back-quoted` (Spark reads "..." as a string literal).
    `at time zone 'UTC'` is dropped (the session time zone is UTC).
-#}
{% macro spark_types(sql) -%}
    {#- the session time zone is UTC: `x at time zone 'UTC'` is x -#}
    {%- set sql = modules.re.sub("(?i)\\s+at\\s+time\\s+zone\\s+'UTC'", '', sql) -%}
    {%- set pieces = modules.re.split("(?s)('(?:[^'\\\\]|\\\\.|'')*'|--[^\\n]*|/\\*.*?\\*/)", sql) -%}
    {%- set out = [] -%}
    {%- for piece in pieces -%}
        {%- if loop.index0 % 2 == 1 -%}
            {%- do out.append(piece) -%}
        {%- else -%}
            {%- set piece = modules.re.sub('(?i)\\bvarchar\\b(?!\\s*\\()', 'string', piece) -%}
            {%- set piece = modules.re.sub('(?i)\\btimestamp\\s+with\\s+time\\s+zone\\b|\\btimestamptz\\b', 'timestamp', piece) -%}
            {%- set piece = modules.re.sub('(?i)\\bdouble\\s+precision\\b', 'double', piece) -%}
            {%- do out.append(modules.re.sub('"([A-Za-z_][A-Za-z0-9_]*)"', '`\\1`', piece)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out | join('')) }}
{%- endmacro %}

{#- Model contracts: dbt runs these probes through the adapter directly (not statement()). -#}
{% macro spark__get_empty_subquery_sql(select_sql, select_sql_header=none) -%}
    {{ return(spark_types(default__get_empty_subquery_sql(select_sql, select_sql_header))) }}
{%- endmacro %}

{#- dbt-spark's seed loader, with seed column_types translated (they say varchar). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {% set batch_size = get_batch_size() %}
  {% set column_override = model['config'].get('column_types', {}) %}
  {% set statements = [] %}
  {% for chunk in agate_table.rows | batch(batch_size) %}
      {% set bindings = [] %}
      {% for row in chunk %}
          {% do bindings.extend(row) %}
      {% endfor %}
      {% set sql %}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for col_name in agate_table.column_names -%}
                  {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                  {%- set type = spark_types(column_override.get(col_name, inferred_type)) -%}
                    cast({{ get_binding_char() }} as {{type}})
                  {%- if not loop.last%},{%- endif %}
              {%- endfor -%})
              {%- if not loop.last%},{%- endif %}
          {%- endfor %}
      {% endset %}
      {% do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) %}
      {% if loop.index0 == 0 %}
          {% do statements.append(sql) %}
      {% endif %}
  {% endfor %}
  {{ return(statements[0]) }}
{% endmacro %}

{#- ---------------------------------------------------------------- exact integer math -#}
{% macro spark__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as decimal(38, 0)) div cast({{ denominator }} as decimal(38, 0)))
{%- endmacro %}

{% macro spark__int_mod(numerator, denominator) -%}
    (cast({{ numerator }} as decimal(38, 0)) % cast({{ denominator }} as decimal(38, 0)))
{%- endmacro %}

{% macro spark__wide_int() -%}decimal(38, 0){%- endmacro %}

{#- ---------------------------------------------------------------- time -#}
{#- the session time zone is UTC (profiles.yml), so a timestamp's date is its UTC date -#}
{% macro spark__utc_date(column_name) -%}
    cast({{ column_name }} as date)
{%- endmacro %}

{% macro spark__utc_day_start(date_expression) -%}
    cast(cast({{ date_expression }} as date) as timestamp)
{%- endmacro %}

{% macro spark__duration_ms(start_column, end_column) -%}
    cast(unix_millis({{ end_column }}) - unix_millis({{ start_column }}) as bigint)
{%- endmacro %}

{% macro spark__date_spine_days(start_date, end_date) -%}
    select spine.date_day
    from (
        select explode(case
            when cast({{ start_date }} as date) <= cast({{ end_date }} as date)
                then sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)
        end) as date_day
    ) as spine
{%- endmacro %}

{#- ---------------------------------------------------------------- aggregates and text -#}
{% macro spark__first_by(value_column, order_column) -%}
    min_by({{ value_column }}, {{ order_column }})
{%- endmacro %}

{% macro spark__last_by(value_column, order_column) -%}
    max_by({{ value_column }}, {{ order_column }})
{%- endmacro %}

{% macro spark__digits_only(column_name) -%}
    regexp_replace({{ column_name }}, '[^0-9]', '')
{%- endmacro %}

{% macro spark__focus_json_object(pairs) -%}
    to_json(named_struct(
        {%- for key, value in pairs %}
        '{{ key }}', {{ value }}{{ "," if not loop.last }}
        {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- ---------------------------------------------------------------- raw sources -#}
{#-
    on-run-start: every source in schema raw becomes an external parquet table over
    <lake>/raw/<table> ($CCFINOPS_SPARK_LAKE, default $CCFINOPS_SPARK_DIR/lake; on a cluster an
    s3:// / abfss:// / dbfs:/ URI). Re-created on every run, so the schema follows the export;
    day partitions are registered with MSCK REPAIR. The optional raw tables of
    default__ensure_optional_raw_tables (e.g. manual_attributions) get that DDL's schema, so they
    exist, empty, before any export wrote them. $CCFINOPS_SPARK_RAW_TABLES (set by run_dbt from a
    local lake's folders) lists the exported tables: a source not exported yet is left absent, as
    on DuckDB before its first load (e.g. webhook_events).
-#}
{% macro spark__ensure_optional_raw_tables() -%}
    {%- if execute -%}
        {%- set lake = env_var('CCFINOPS_SPARK_LAKE', env_var('CCFINOPS_SPARK_DIR', 'warehouse/spark') ~ '/lake') -%}
        {%- set exported = env_var('CCFINOPS_SPARK_RAW_TABLES', '').split(',') | reject('equalto', '') | list -%}
        {%- set optional = {} -%}
        {%- for statement in spark_statements(default__ensure_optional_raw_tables()) -%}
            {%- set found = modules.re.match(
                '(?is)\\s*create\\s+table\\s+if\\s+not\\s+exists\\s+raw\\.(\\w+)\\s*\\((.*)\\)\\s*$', statement
            ) -%}
            {%- if found -%}
                {%- do optional.update({found.group(1): modules.re.sub('(?i)\\s+not\\s+null', '', found.group(2))}) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- set seen = [] -%}
        {%- for source in graph.sources.values() if source.schema == 'raw' and source.identifier not in seen -%}
            {%- do seen.append(source.identifier) -%}
            {%- set table = 'raw.' ~ source.identifier -%}
            {%- set location = lake ~ '/raw/' ~ source.identifier -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- if source.identifier in optional -%}
                {%- do run_query(
                    'create table ' ~ table ~ ' (' ~ optional[source.identifier] ~ ')'
                    ~ " using parquet location '" ~ location ~ "'"
                ) -%}
            {%- elif not exported or source.identifier in exported -%}
                {%- do run_query('create table ' ~ table ~ " using parquet location '" ~ location ~ "'") -%}
                {%- set columns = adapter.get_columns_in_relation(
                    api.Relation.create(schema='raw', identifier=source.identifier, type='table')
                ) | map(attribute='name') | list -%}
                {%- if 'day' in columns -%}
                    {%- do run_query('msck repair table ' ~ table) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- ---------------------------------------------------------------- catalog -#}
{% macro spark__catalog_has_table(schema, identifier) -%}
    {%- set found = run_query("show tables in " ~ schema ~ " like '" ~ identifier ~ "'") -%}
    {{ return(found.rows | length > 0) }}
{%- endmacro %}

{#- ---------------------------------------------------------------- incremental: window_replace -#}
{#- dbt-spark's strategy check, plus window_replace (see the header). -#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
  {% if raw_strategy == 'delete+insert' %}
    {% if not (config.get('unique_key') is string) or file_format not in ['parquet', 'orc'] %}
      {% do exceptions.raise_compiler_error(
          'delete+insert on Spark needs one unique_key column (the table is partitioned by it) and parquet'
      ) %}
    {% endif %}
    {% do return(raw_strategy) %}
  {% endif %}
  {% if raw_strategy == 'window_replace' %}
    {% if file_format not in ['parquet', 'delta', 'iceberg', 'orc'] %}
      {% do exceptions.raise_compiler_error('window_replace needs a table file format (parquet), not ' ~ file_format) %}
    {% endif %}
    {% do return(raw_strategy) %}
  {% endif %}
  {% if raw_strategy not in ['append', 'merge', 'insert_overwrite', 'microbatch'] %}
    {% do exceptions.raise_compiler_error(
        "Invalid incremental strategy provided: " ~ raw_strategy
        ~ "; expected one of 'append', 'merge', 'insert_overwrite', 'microbatch', 'window_replace'"
    ) %}
  {% endif %}
  {% if raw_strategy == 'merge' and file_format not in ['delta', 'iceberg', 'hudi'] %}
    {% do exceptions.raise_compiler_error('merge needs file_format delta, iceberg or hudi') %}
  {% endif %}
  {% do return(raw_strategy) %}
{% endmacro %}

{#- dbt-spark's incremental SQL, plus window_replace. -#}
{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
  {%- if strategy == 'window_replace' -%}
    {{ spark__window_replace_sql(source, target) }}
  {%- elif strategy == 'delete+insert' -%}
    {{ spark__replace_partitions_sql(source, target, config.get('unique_key')) }}
  {%- elif strategy == 'append' -%}
    {{ get_insert_into_sql(source, target) }}
  {%- elif strategy in ['insert_overwrite', 'microbatch'] -%}
    {{ get_insert_overwrite_sql(source, target, existing) }}
  {%- elif strategy == 'merge' -%}
    {{ get_merge_sql(target, source, unique_key, dest_columns=none, incremental_predicates=incremental_predicates) }}
  {%- else -%}
    {%- do exceptions.raise_compiler_error('No known SQL for the incremental strategy provided: ' ~ strategy) -%}
  {%- endif -%}
{% endmacro %}

{#-
    window_replace tables are partitioned by their window column (one partition a day),
    delete+insert tables by their unique_key column (e.g. one partition a month).
-#}
{% macro spark__partition_cols(label, required=false) %}
  {%- set cols = config.get('partition_by', validator=validation.any[list, basestring]) -%}
  {%- if cols is none and config.get('incremental_strategy') == 'window_replace' -%}
    {%- set cols = config.get('window_column') -%}
  {%- elif cols is none and config.get('incremental_strategy') == 'delete+insert' -%}
    {%- set cols = config.get('unique_key') -%}
  {%- endif -%}
  {%- if cols is not none %}
    {%- if cols is string -%}
      {%- set cols = [cols] -%}
    {%- endif -%}
    {{ label }} (
    {%- for item in cols -%}
      {{ item }}
      {%- if not loop.last -%},{%- endif -%}
    {%- endfor -%}
    )
  {%- endif %}
{%- endmacro -%}

{#-
    The window's rows (source: dbt's temporary view of the model) are materialised first, as the
    model may read its own older days; then the window's day partitions are overwritten and the
    window's days without rows any more are dropped. Returns the INSERT OVERWRITE and the drop of
    the staging table; the preparatory statements run while this renders (execute only).
-#}
{% macro spark__window_replace_sql(source, target) -%}
    {%- set window_column = config.get('window_column') -%}
    {%- set window_start = incremental_window_start(target) -%}
    {%- set staged = target.incorporate(path={'identifier': target.identifier ~ '__dbt_window'}) -%}
    {%- set dest_columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ staged) -%}
        {%- do run_query('create table ' ~ staged ~ ' using parquet as select * from ' ~ source) -%}
        {%- set kept = run_query(
            'select distinct cast(' ~ window_column ~ ' as string) from ' ~ staged
        ).columns[0].values() -%}
        {%- set stale = run_query(
            'select distinct cast(' ~ window_column ~ ' as string) from ' ~ target
            ~ ' where ' ~ window_column ~ ' >= ' ~ window_start
        ).columns[0].values() -%}
        {%- for day in stale if day not in kept -%}
            {%- do run_query(
                'alter table ' ~ target ~ ' drop if exists partition (' ~ window_column ~ " = '" ~ day ~ "')"
            ) -%}
        {%- endfor -%}
        {%- do run_query('set spark.sql.sources.partitionOverwriteMode = DYNAMIC') -%}
        {%- do run_query(record_incremental_window(target, window_start)) -%}
    {%- endif -%}
    insert overwrite table {{ target }} partition ({{ window_column }})
    select {{ dest_columns }} from {{ staged }};
    drop table if exists {{ staged }}
{%- endmacro %}

{#-
    delete+insert with one unique_key column, on a table partitioned by that column: the new rows
    (staged in a parquet table first, as the model may read its own table) overwrite exactly the
    partitions of the keys they carry - the rows of every other key stay as they are.
-#}
{% macro spark__replace_partitions_sql(source, target, key_column) -%}
    {%- set staged = target.incorporate(path={'identifier': target.identifier ~ '__dbt_window'}) -%}
    {%- set dest_columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ staged) -%}
        {%- do run_query('create table ' ~ staged ~ ' using parquet as select * from ' ~ source) -%}
        {%- do run_query('set spark.sql.sources.partitionOverwriteMode = DYNAMIC') -%}
    {%- endif -%}
    insert overwrite table {{ target }} partition ({{ key_column }})
    select {{ dest_columns }} from {{ staged }};
    drop table if exists {{ staged }}
{%- endmacro %}

{#- Spark's own split_part (3.3+): the part number may be an expression (dbt-spark's needs a literal). -#}
{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}

{#-
    Contract constraints (not_null, primary key) can only be declared on Delta tables; dbt-spark
    assumes Delta when file_format is unset. Our tables are parquet: the constraints stay
    documented in the contracts and are checked by the data tests (not_null / unique).
-#}
{% macro spark__persist_constraints(relation, model) %}
  {%- set contract_config = config.get('contract') -%}
  {% if contract_config.enforced and config.get('file_format', 'parquet') == 'delta' %}
    {% do alter_table_add_constraints(relation, model.constraints) %}
    {% do alter_column_set_constraints(relation, model.columns) %}
  {% endif %}
{% endmacro %}
