{#-
    The warehouse's costs as FOCUS 1.2 Cost and Usage rows (FinOps Open Cost and Usage Spec).

    Usage charges: rated fct_usage_cost items aggregated per UTC day, platform, usage type, SKU
    (carrier / direction / number type), rate, cost center, queue and campaign. Charge period =
    that day; billing period = its calendar month. Unrated items (cost null, missing rate) are not
    charges yet: they stay in fct_usage_cost and reconciliation_queue.
    Pool charges: fct_cost_allocation_monthly rows (licence, platform fee and shared pools allocated
    to cost centers) as ChargeCategory Usage / ChargeFrequency Recurring over the month: the cost
    center's use of the licensed capacity (not a Purchase: FOCUS gives Purchases covering later
    usage an EffectiveCost of 0, while these monthly charges are consumed in their own month).
    Priced as allocation_share of one month of the pool at its shared_cost_cap; consumed quantity
    = the cost center's queue minutes that drove the share (0 on UNALLOCATED rows).

    BilledCost = EffectiveCost = the warehouse cost (Σ BilledCost = Σ rated usage cost + Σ allocated
    pool cost); ListCost = ContractedCost = unit price x PricingQuantity (no discounts are modelled).
    Cost center, queue and campaign are in Tags and in x_ columns. Column names are FOCUS PascalCase
    (quoted for PostgreSQL).
-#}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

allocation as (

    select * from {{ ref('fct_cost_allocation_monthly') }}

),

cost_pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

rate_cards as (

    select * from {{ ref('stg_config__rate_cards') }}

),

providers as (

    select * from {{ ref('focus_providers') }}

),

services as (

    select * from {{ ref('focus_services') }}

),

----------  usage charges

usage_daily as (

    select
        platform,
        usage_type,
        usage_date,
        cost_center,
        queue_id,
        campaign,
        carrier,
        direction,
        number_type,
        unit,
        unit_rate,
        currency,
        rate_card_version,
        mapping_version,
        attribution_method,
        is_provisional,
        sum(cost) as billed_cost,
        sum(billable_quantity) as pricing_quantity,
        sum(coalesce(duration_ms, 0)) as duration_ms,
        count(*) as item_count
    from usage_cost
    where cost is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16

),

usage_with_rate_card as (

    select
        usage_daily.*,
        rate_cards.increment_seconds,
        rate_cards.minimum_seconds
    from usage_daily
    left join rate_cards
        on usage_daily.usage_type = rate_cards.usage_type
            and coalesce(usage_daily.carrier, '*') = rate_cards.carrier
            and coalesce(usage_daily.direction, '*') = rate_cards.direction
            and coalesce(usage_daily.number_type, '*') = rate_cards.number_type
            and usage_daily.rate_card_version = rate_cards.rate_card_version
            and usage_daily.usage_date >= rate_cards.effective_from
            and (
                rate_cards.effective_to is null
                or usage_daily.usage_date < rate_cards.effective_to
            )

),

usage_charges as (

    select
        'usage' as charge_source,
        usage_type as charge_key,
        platform,
        'Usage' as charge_category,
        'Usage-Based' as charge_frequency,
        usage_date as charge_period_start,
        {{ dbt.dateadd('day', 1, 'usage_date') }} as charge_period_end,
        {{ month_start('usage_date') }} as billing_period_start,
        cast(billed_cost as decimal(18, 6)) as billed_cost,
        cast(pricing_quantity as decimal(18, 6)) as pricing_quantity,
        case when unit = 'evaluation' then 'Evaluations' else 'Minutes' end as pricing_unit,
        case
            when unit = 'evaluation' then cast(item_count as decimal(18, 6))
            else cast(cast(duration_ms as decimal(18, 3)) * cast(0.001 as decimal(18, 3)) as decimal(18, 6))
        end as consumed_quantity,
        case when unit = 'evaluation' then 'Evaluations' else 'Seconds' end as consumed_unit,
        cast(unit_rate as decimal(18, 6)) as unit_price,
        currency,
        usage_type
        || coalesce(':' || carrier, '')
        || coalesce(':' || direction, '')
        || coalesce(':' || number_type, '') as sku_id,
        rate_card_version as price_version,
        {{ focus_json_object([
            ('x_RateCardVersion', 'rate_card_version'),
            ('x_BillingIncrementSeconds', 'increment_seconds'),
            ('x_MinimumBillableSeconds', 'minimum_seconds'),
        ]) }} as sku_price_details,
        case usage_type
            when 'voice' then 'Voice minutes'
            when 'transcription' then 'Speech transcription minutes'
            else 'Quality evaluations'
        end
        || coalesce(', ' || direction, '')
        || coalesce(' ' || number_type, '')
        || coalesce(' via ' || carrier, '')
        || case when is_provisional then ' (provisional, from queue aggregates)' else '' end
            as charge_description,
        cost_center,
        queue_id,
        campaign,
        usage_type,
        carrier,
        direction,
        number_type,
        attribution_method,
        mapping_version,
        rate_card_version,
        cast(null as varchar) as cost_pool,
        cast(null as varchar) as allocation_rule_version,
        cast(item_count as bigint) as usage_item_count,
        is_provisional
    from usage_with_rate_card

),

----------  pool charges (licences, platform fees, shared costs)

pool_charges as (

    select
        'pool' as charge_source,
        allocation.cost_pool as charge_key,
        coalesce(cost_pools.platform, 'all') as platform,
        'Usage' as charge_category,
        'Recurring' as charge_frequency,
        allocation.month as charge_period_start,
        -- month-to-date for the open month: the charge covers the days accrued
        {{ dbt.dateadd('day', 'allocation.days_accrued', 'allocation.month') }} as charge_period_end,
        allocation.month as billing_period_start,
        cast(allocation.allocated_shared_cost as decimal(18, 6)) as billed_cost,
        -- one charge per month-to-date allocation row: priced at what it bills (the share of the
        -- pool is x_ columns / ConsumedQuantity; open months accrue per day)
        cast(1 as decimal(18, 6)) as pricing_quantity,
        'Months' as pricing_unit,
        cast(coalesce(allocation.queue_minutes, 0) as decimal(18, 6)) as consumed_quantity,
        'Minutes' as consumed_unit,
        cast(allocation.allocated_shared_cost as decimal(18, 6)) as unit_price,
        coalesce(cost_pools.currency, '{{ var("default_currency", "USD") }}') as currency,
        'pool:' || allocation.cost_pool as sku_id,
        allocation.allocation_rule_version as price_version,
        {{ focus_json_object([
            ('x_PoolType', 'cost_pools.pool_type'),
            ('x_AllocationBasis', 'cost_pools.allocation_basis'),
            ('x_AllocationRuleVersion', 'allocation.allocation_rule_version'),
            ('x_AllocationKind', 'allocation.allocation_kind'),
        ]) }} as sku_price_details,
        case allocation.allocation_kind
            when 'cap_overflow' then 'Amount above the cap of '
            when 'unallocated' then 'Unallocated days of '
            else 'Share of '
        end
        || allocation.cost_pool
        || ' for ' || allocation.cost_center
        || coalesce(' allocated by ' || cost_pools.allocation_basis, '')
        || coalesce(' (rule ' || allocation.allocation_rule_version || ')', '')
            as charge_description,
        allocation.cost_center,
        cast(null as varchar) as queue_id,
        cast(null as varchar) as campaign,
        cast(null as varchar) as usage_type,
        cast(null as varchar) as carrier,
        cast(null as varchar) as direction,
        cast(null as varchar) as number_type,
        allocation.allocation_kind as attribution_method,
        cast(null as varchar) as mapping_version,
        cast(null as varchar) as rate_card_version,
        allocation.cost_pool,
        allocation.allocation_rule_version,
        cast(null as bigint) as usage_item_count,
        false as is_provisional
    from allocation
    left join cost_pools
        on allocation.cost_pool = cost_pools.pool_name
            and allocation.month >= cost_pools.period_start
            and (cost_pools.period_end is null or allocation.month < cost_pools.period_end)

),

charges as (

    select * from usage_charges
    union all
    select * from pool_charges

),

described as (

    select
        charges.*,
        providers.provider_name,
        providers.publisher_name,
        providers.invoice_issuer_name,
        providers.billing_account_id,
        providers.billing_account_name,
        providers.sub_account_id,
        providers.sub_account_name,
        coalesce(exact_service.service_name, default_service.service_name) as service_name,
        coalesce(exact_service.service_category, default_service.service_category) as service_category,
        coalesce(
            exact_service.service_subcategory, default_service.service_subcategory
        ) as service_subcategory,
        coalesce(exact_service.sku_meter, default_service.sku_meter) as sku_meter
    from charges
    left join providers
        on charges.platform = providers.platform
    left join services as exact_service
        on charges.platform = exact_service.platform
            and charges.charge_source = exact_service.charge_source
            and charges.charge_key = exact_service.charge_key
    left join services as default_service
        on charges.platform = default_service.platform
            and charges.charge_source = default_service.charge_source
            and default_service.charge_key = '*'

),

-- FOCUS column names are PascalCase: quoted so PostgreSQL keeps their case
-- noqa: disable=RF06
final as (

    select
        ----------  FOCUS 1.2 columns
        billed_cost as "BilledCost",
        billing_account_id as "BillingAccountId",
        billing_account_name as "BillingAccountName",
        currency as "BillingCurrency",
        {{ focus_datetime(dbt.dateadd('month', 1, 'billing_period_start')) }} as "BillingPeriodEnd",
        {{ focus_datetime('billing_period_start') }} as "BillingPeriodStart",
        charge_category as "ChargeCategory",
        cast(null as varchar) as "ChargeClass",
        charge_description as "ChargeDescription",
        charge_frequency as "ChargeFrequency",
        {{ focus_datetime('charge_period_end') }} as "ChargePeriodEnd",
        {{ focus_datetime('charge_period_start') }} as "ChargePeriodStart",
        cast(null as varchar) as "CommitmentDiscountCategory",
        cast(null as varchar) as "CommitmentDiscountId",
        cast(null as varchar) as "CommitmentDiscountName",
        cast(null as decimal(18, 6)) as "CommitmentDiscountQuantity",
        cast(null as varchar) as "CommitmentDiscountStatus",
        cast(null as varchar) as "CommitmentDiscountType",
        cast(null as varchar) as "CommitmentDiscountUnit",
        consumed_quantity as "ConsumedQuantity",
        consumed_unit as "ConsumedUnit",
        cast(unit_price * pricing_quantity as decimal(38, 12)) as "ContractedCost",
        unit_price as "ContractedUnitPrice",
        billed_cost as "EffectiveCost",
        cast(null as varchar) as "InvoiceId",
        invoice_issuer_name as "InvoiceIssuerName",
        cast(unit_price * pricing_quantity as decimal(38, 12)) as "ListCost",
        unit_price as "ListUnitPrice",
        'Standard' as "PricingCategory",
        pricing_quantity as "PricingQuantity",
        pricing_unit as "PricingUnit",
        provider_name as "ProviderName",
        publisher_name as "PublisherName",
        service_category as "ServiceCategory",
        service_name as "ServiceName",
        service_subcategory as "ServiceSubcategory",
        sku_id as "SkuId",
        sku_meter as "SkuMeter",
        sku_price_details as "SkuPriceDetails",
        price_version || ':' || sku_id as "SkuPriceId",
        sub_account_id as "SubAccountId",
        sub_account_name as "SubAccountName",
        {{ focus_json_object([
            ('cost_center', 'cost_center'),
            ('queue', 'queue_id'),
            ('campaign', 'campaign'),
        ]) }} as "Tags",
        ----------  ccfinops extensions
        {{ surrogate_key([
            'charge_source', 'charge_key', 'platform', 'charge_period_start', 'cost_center',
            'queue_id', 'campaign', 'carrier', 'direction', 'number_type', 'unit_price',
            'rate_card_version', 'mapping_version', 'attribution_method', 'is_provisional',
        ]) }} as "x_ChargeId",
        charge_source as "x_ChargeSource",
        platform as "x_Platform",
        usage_type as "x_UsageType",
        cost_center as "x_CostCenter",
        queue_id as "x_QueueId",
        campaign as "x_Campaign",
        carrier as "x_Carrier",
        direction as "x_Direction",
        number_type as "x_NumberType",
        attribution_method as "x_AttributionMethod",
        mapping_version as "x_MappingVersion",
        rate_card_version as "x_RateCardVersion",
        cost_pool as "x_CostPool",
        allocation_rule_version as "x_AllocationRuleVersion",
        usage_item_count as "x_UsageItemCount",
        is_provisional as "x_IsProvisional"
    from described

)
-- noqa: enable=RF06

select * from final
