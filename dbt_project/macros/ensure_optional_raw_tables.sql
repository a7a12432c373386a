{#-
    on-run-start: create raw tables that no ingestion run may have written yet, empty and typed,
    so a build on a fresh warehouse never fails. manual_attributions is filled by the
    reconciliation workflow; its columns follow CONTRACTS.md.
-#}
{% macro ensure_optional_raw_tables() -%}
    {{ return(adapter.dispatch('ensure_optional_raw_tables')()) }}
{%- endmacro %}

{% macro default__ensure_optional_raw_tables() -%}
    create schema if not exists raw;
    create table if not exists raw.manual_attributions (
        source_record_id varchar not null,
        cost_center varchar not null,
        attributed_by varchar,
        attributed_at timestamp with time zone,
        reason varchar,
        batch_id varchar
    );
{%- endmacro %}
