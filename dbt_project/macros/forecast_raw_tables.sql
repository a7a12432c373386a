{#-
    The tables the forecast task (forecast/writer.py) replaces after each build; created empty here
    so the forecast marts build before the first forecast. Money columns are DECIMAL(18,6).
-#}
{% macro forecast_raw_tables() -%}
    create table if not exists raw.forecast_cost_daily (
        cost_center varchar not null,
        cost_date date not null,
        forecast_as_of date not null,
        currency varchar not null,
        is_actual boolean not null,
        actual_cost decimal(18, 6),
        committed_cost decimal(18, 6),
        forecast_cost decimal(18, 6),
        lower_80 decimal(18, 6),
        upper_80 decimal(18, 6),
        lower_95 decimal(18, 6),
        upper_95 decimal(18, 6),
        method varchar not null,
        run_id varchar not null,
        created_at timestamp with time zone not null
    );
    create table if not exists raw.forecast_cost_monthly (
        cost_center varchar not null,
        month date not null,
        forecast_as_of date not null,
        currency varchar not null,
        days_in_month integer not null,
        days_elapsed integer not null,
        history_days integer not null,
        month_to_date_cost decimal(18, 6) not null,
        remaining_committed_cost decimal(18, 6),
        forecast_cost decimal(18, 6),
        lower_80 decimal(18, 6),
        upper_80 decimal(18, 6),
        lower_95 decimal(18, 6),
        upper_95 decimal(18, 6),
        method varchar not null,
        reason varchar,
        run_id varchar not null,
        created_at timestamp with time zone not null
    );
{%- endmacro %}
