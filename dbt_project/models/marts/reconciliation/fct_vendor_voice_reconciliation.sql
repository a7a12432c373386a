{#-
    Vendor reconciliation per call (grain: SIP call id): the warehouse's rated Genesys Cloud
    Voice cost beside the vendor's usage file (int_vendor_voice_calls). match_status matched /
    warehouse_only / vendor_only; variance = warehouse_cost - vendor_cost (a missing side counts
    0); variance_pct = 100 x variance / vendor_cost (null without a vendor cost).
-#}

with

calls as (

    select * from {{ ref('int_vendor_voice_calls') }}

),

final as (

    select
        cast(sip_call_id as varchar) as sip_call_id,
        cast(match_status as varchar) as match_status,
        cast(call_date as date) as call_date,
        {{ month_start('call_date') }} as month,
        cast(usage_id as varchar) as usage_id,
        cast(conversation_id as varchar) as conversation_id,
        cast(cost_center as varchar) as cost_center,
        cast(currency as varchar) as currency,
        cast(warehouse_cost as decimal(18, 6)) as warehouse_cost,
        cast(vendor_cost as decimal(18, 6)) as vendor_cost,
        cast(coalesce(warehouse_cost, 0) - coalesce(vendor_cost, 0) as decimal(18, 6)) as variance,
        {{ money_pct('coalesce(warehouse_cost, 0) - coalesce(vendor_cost, 0)', 'vendor_cost') }}
            as variance_pct,
        cast(warehouse_billed_seconds as decimal(18, 6)) as warehouse_billed_seconds,
        cast(vendor_billed_seconds as bigint) as vendor_billed_seconds,
        cast(vendor_rate_per_minute as decimal(18, 6)) as vendor_rate_per_minute
    from calls

)

select * from final
