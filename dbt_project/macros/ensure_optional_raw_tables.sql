{#-
    on-run-start: create raw tables that no ingestion run may have written yet, empty and typed,
    so a build on a fresh warehouse never fails. genesys_licence_usage (billable usage, auxiliary:
    absent when the OAuth client lacks billing:subscription:view) and genesys_voice_usage (loaded
    from the admin-UI CSV by `ccfinops ingest voice-usage`) are optional: empty means "no vendor
    billing data", and the models rate from registry pools only. manual_attributions is filled by the
    reconciliation workflow; its columns follow CONTRACTS.md. config_budgets is loaded with the
    registries; the forecast tables are written by forecast/ (forecast_raw_tables).
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
    {#- auxiliary WFM sources (issue 16): absent when never loaded or unlicensed -#}
    create table if not exists raw.genesys_wfm_forecast_intervals (
        forecast_id varchar, business_unit_id varchar, week_date date, planning_group_id varchar,
        interval_start timestamp with time zone, interval_end timestamp with time zone,
        offered double precision, average_handle_time_seconds double precision
    );
    create table if not exists raw.genesys_wfm_planning_groups (
        business_unit_id varchar, planning_group_id varchar, name varchar, queue_id varchar
    );
    create table if not exists raw.genesys_user_status_intervals (
        user_id varchar, interval_start timestamp with time zone, interval_end timestamp with time zone,
        routing_status varchar, duration_ms bigint
    );
    create table if not exists raw.genesys_queue_members (
        queue_id varchar, user_id varchar, joined boolean, loaded_at timestamp with time zone
    );
    create table if not exists raw.cxone_agent_state_history (
        agent_id varchar, start_date timestamp with time zone, agent_state_id bigint,
        agent_state_name varchar, skill_id varchar, duration_seconds double precision, is_outbound boolean
    );
    create table if not exists raw.wfm_source_status (
        platform varchar, resource varchar, status varchar, reason varchar,
        checked_at timestamp with time zone
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
    {#- Genesys billing contracts (preview API, auxiliary): empty when the org lacks it -#}
    create table if not exists raw.genesys_billing_contracts (
        contract_id varchar, contract_name varchar, status varchar, currency varchar,
        start_date timestamp with time zone, end_date timestamp with time zone,
        _dlt_load_id varchar not null, _dlt_id varchar not null
    );
    create table if not exists raw.genesys_billing_period_charges (
        contract_id varchar, billing_period_id varchar, charge_name varchar,
        period_start timestamp with time zone, period_end timestamp with time zone,
        period_status varchar, quantity decimal(18, 6), unit_of_measure varchar,
        unit_price decimal(18, 6), amount decimal(18, 6), currency varchar,
        _dlt_load_id varchar not null, _dlt_id varchar not null
    );
    create table if not exists raw.genesys_invoice_lines (
        invoice_id varchar, line_number bigint, contract_id varchar,
        invoice_date timestamp with time zone, currency varchar, product varchar,
        description varchar, date_start timestamp with time zone, date_end timestamp with time zone,
        quantity decimal(18, 6), unit_of_measure varchar, amount decimal(18, 6),
        _dlt_load_id varchar not null, _dlt_id varchar not null
    );
{%- endmacro %}
