{#-
    The weekly report's vendor reconciliation per month and currency
    (fct_vendor_voice_reconciliation_monthly): matched and unmatched Genesys Cloud Voice calls,
    both sides' cost and the variance (warehouse - vendor) rounded half up to the cent, and the
    variance in % of the vendor's cost to 0.01.
-#}
with

vendor as (

    select * from {{ ref('fct_vendor_voice_reconciliation_monthly') }}

),

final as (

    select
        vendor_month_id as report_vendor_month_id,
        month,
        currency,
        matched_calls,
        warehouse_only_calls,
        vendor_only_calls,
        cast(warehouse_only_calls + vendor_only_calls as bigint) as unmatched_calls,
        {{ round_cents('warehouse_cost') }} as warehouse_cost,
        {{ round_cents('vendor_cost') }} as vendor_cost,
        {{ round_cents('variance') }} as variance,
        {{ round_cents('variance_pct') }} as variance_pct
    from vendor

)

select * from final
