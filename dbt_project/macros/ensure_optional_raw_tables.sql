{#-
    on-run-start: create raw tables that no ingestion run may have written yet, empty and typed,
    so a build on a fresh warehouse never fails. genesys_licence_usage (billable usage, auxiliary:
    absent when the OAuth client lacks billing:subscription:view) and genesys_voice_usage (loaded
    from the admin-UI CSV by `ccfinops ingest voice-usage`) are optional: empty means "no vendor
    billing data", and the models rate from registry pools only. manual_attributions is filled by the
    reconciliation workflow; its columns follow CONTRACTS.md.
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
    create table if not exists raw.genesys_licence_usage (
        period_start timestamp with time zone,
        period_end timestamp with time zone,
        charge_name varchar,
        user_count bigint,
        _dlt_load_id varchar not null,
        _dlt_id varchar not null
    );
    create table if not exists raw.genesys_voice_usage (
        sip_call_id varchar,
        call_start timestamp with time zone,
        direction varchar,
        usage_group varchar,
        duration_seconds bigint,
        rate_per_minute decimal(18, 6),
        cost decimal(18, 6),
        currency varchar,
        _dlt_load_id varchar not null,
        _dlt_id varchar not null
    );
{%- endmacro %}
