{#-
    The warehouse's rated Genesys Cloud Voice calls beside the vendor's own usage file
    (raw.genesys_voice_usage, the Genesys Cloud Voice CSV), one row per SIP call id, full outer
    join: a warehouse leg is a fct_usage_cost voice item on carrier genesys_cloud_voice (not
    provisional) whose session carries the SIP call id; BYOC carriers are not in the vendor
    file. Both sides from accounting_start; warehouse calls only on the days the loaded vendor
    files span (first to last call day in raw.genesys_voice_usage): a day no file covers yet (or
    an org that never loaded one) is not reconciled, rather than shown as warehouse_only.
-#}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

sessions as (

    select * from {{ ref('stg_genesys__sessions') }}

),

vendor_usage as (

    select * from {{ ref('stg_genesys__voice_usage') }}

),

period as (

    select * from {{ ref('int_accounting_period') }}

),

vendor_coverage as (

    select
        min(call_date) as first_day,
        max(call_date) as last_day
    from vendor_usage

),

warehouse_calls as (

    select
        sessions.sip_call_id,
        min(usage_cost.usage_id) as usage_id,
        min(usage_cost.conversation_id) as conversation_id,
        min(usage_cost.usage_date) as usage_date,
        min(usage_cost.cost_center) as cost_center,
        min(usage_cost.currency) as currency,
        count(*) as leg_count,
        sum(usage_cost.cost) as warehouse_cost,
        sum(
            cast(
                usage_cost.billable_quantity * 60 as decimal(18, 6)
            )
        ) as warehouse_billed_seconds
    from usage_cost
    inner join sessions
        on usage_cost.source_record_id = sessions.session_id
    inner join vendor_coverage
        on usage_cost.usage_date between vendor_coverage.first_day and vendor_coverage.last_day
    where usage_cost.platform = 'genesys'
        and usage_cost.usage_type = 'voice'
        and usage_cost.carrier = 'genesys_cloud_voice'
        and not usage_cost.is_provisional
        and sessions.sip_call_id is not null
        -- implied by the item filters above; stated so the sessions side of the join is small
        and sessions.carrier = 'genesys_cloud_voice'
        and sessions.media_type = 'voice'
    group by 1

),

vendor_calls as (

    select vendor_usage.*
    from vendor_usage
    cross join period
    where vendor_usage.call_date >= period.accounting_start

),

final as (

    select
        coalesce(warehouse_calls.sip_call_id, vendor_calls.sip_call_id) as sip_call_id,
        case
            when warehouse_calls.sip_call_id is not null and vendor_calls.sip_call_id is not null
                then 'matched'
            when warehouse_calls.sip_call_id is not null then 'warehouse_only'
            else 'vendor_only'
        end as match_status,
        coalesce(vendor_calls.call_date, warehouse_calls.usage_date) as call_date,
        warehouse_calls.usage_id,
        warehouse_calls.conversation_id,
        warehouse_calls.cost_center,
        coalesce(warehouse_calls.currency, vendor_calls.currency) as currency,
        warehouse_calls.leg_count,
        warehouse_calls.warehouse_cost,
        warehouse_calls.warehouse_billed_seconds,
        vendor_calls.vendor_cost,
        vendor_calls.duration_seconds as vendor_billed_seconds,
        vendor_calls.rate_per_minute as vendor_rate_per_minute
    from warehouse_calls
    full outer join vendor_calls
        on warehouse_calls.sip_call_id = vendor_calls.sip_call_id

)

select * from final
