{#-
    on-run-start: create raw tables that no ingestion run may have written yet, empty and typed,
    so a build on a fresh warehouse never fails. manual_attributions is filled by the
    reconciliation workflow; its columns follow CONTRACTS.md. config_budgets is loaded with the
    registries; the forecast tables are written by forecast/ (forecast_raw_tables).
-#}
{% macro ensure_optional_raw_tables() -%}
    create schema if not exists raw;
    create table if not exists raw.manual_attributions (
        source_record_id varchar not null,
        cost_center varchar not null,
        attributed_by varchar,
        attributed_at timestamp with time zone,
        reason varchar,
        batch_id varchar
    );
    create table if not exists raw.config_budgets (
        cost_center varchar not null,
        amount decimal(18, 6) not null,
        currency varchar not null,
        effective_from date not null,
        effective_to date,
        owner varchar,
        alert_thresholds_pct varchar not null,
        alert_on varchar not null,
        budget_version varchar not null,
        registry_version varchar,
        loaded_at timestamp with time zone
    );
    {{ forecast_raw_tables() }}
{%- endmacro %}
