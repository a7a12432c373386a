{#-
    Vendor reconciliation per month x currency (grain): counts of matched / warehouse-only /
    vendor-only Genesys Cloud Voice calls, both sides' cost, variance (warehouse - vendor) in
    money and % of the vendor's cost, and the variance on matched calls alone.
-#}

with

calls as (

    -- the call-level mart (a table), not its intermediate view: the call match runs once per build
    select * from {{ ref('fct_vendor_voice_reconciliation') }}

),

monthly as (

    select
        {{ month_start('call_date') }} as month,
        currency,
        sum(case when match_status = 'matched' then 1 else 0 end) as matched_calls,
        sum(case when match_status = 'warehouse_only' then 1 else 0 end) as warehouse_only_calls,
        sum(case when match_status = 'vendor_only' then 1 else 0 end) as vendor_only_calls,
        sum(coalesce(warehouse_cost, 0)) as warehouse_cost,
        sum(coalesce(vendor_cost, 0)) as vendor_cost,
        sum(case when match_status = 'matched' then warehouse_cost - vendor_cost else 0 end)
            as matched_variance,
        sum(case when match_status = 'warehouse_only' then warehouse_cost else 0 end) as warehouse_only_cost,
        sum(case when match_status = 'vendor_only' then vendor_cost else 0 end) as vendor_only_cost
    from calls
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['month', 'currency']) }} as vendor_month_id,
        cast(month as date) as month,
        cast(currency as varchar) as currency,
        cast(matched_calls as bigint) as matched_calls,
        cast(warehouse_only_calls as bigint) as warehouse_only_calls,
        cast(vendor_only_calls as bigint) as vendor_only_calls,
        cast(warehouse_cost as decimal(18, 6)) as warehouse_cost,
        cast(vendor_cost as decimal(18, 6)) as vendor_cost,
        cast(warehouse_cost - vendor_cost as decimal(18, 6)) as variance,
        {{ money_pct('warehouse_cost - vendor_cost', 'vendor_cost') }} as variance_pct,
        cast(matched_variance as decimal(18, 6)) as matched_variance,
        cast(warehouse_only_cost as decimal(18, 6)) as warehouse_only_cost,
        cast(vendor_only_cost as decimal(18, 6)) as vendor_only_cost
    from monthly

)

select * from final
