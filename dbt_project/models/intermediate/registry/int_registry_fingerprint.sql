{{ config(materialized='table') }}

{#-
    One row per registry record that influences usage cost (mappings, rate cards, manual
    attributions) with a hash of its content. fct_usage_cost compares it with the state it last
    applied to restate exactly the periods a registry change affects.
-#}

with

mappings as (

    select * from {{ ref('stg_config__cost_center_mappings') }}

),

rate_cards as (

    select * from {{ ref('stg_config__rate_cards') }}

),

manual_attributions as (

    select * from {{ ref('stg_config__manual_attributions') }}

),

fingerprints as (

    select
        'cost_center_mapping' as kind,
        mapping_id as record_key,
        effective_from,
        effective_to,
        {{ surrogate_key([
            'platform', 'key_type', 'mapping_key', 'cost_center', 'parent_queue_id',
            'effective_from', 'mapping_version'
        ]) }} as payload_hash
    from mappings

    union all

    select
        'rate_card' as kind,
        rate_card_id as record_key,
        effective_from,
        effective_to,
        {{ surrogate_key([
            'usage_type', 'carrier', 'direction', 'number_type', 'rate', 'unit',
            'increment_seconds', 'minimum_seconds', 'currency', 'effective_from',
            'rate_card_version'
        ]) }} as payload_hash
    from rate_cards

    union all

    select
        'manual_attribution' as kind,
        source_record_id as record_key,
        cast(null as date) as effective_from,
        cast(null as date) as effective_to,
        {{ surrogate_key(['source_record_id', 'cost_center', 'batch_id']) }} as payload_hash
    from manual_attributions

),

final as (

    select
        kind,
        record_key,
        effective_from,
        effective_to,
        payload_hash,
        {{ surrogate_key(['kind', 'record_key', 'payload_hash', 'effective_to']) }} as content_hash
    from fingerprints

)

select * from final
