{#-
    One row per month x cost pool from accounting_start: the registry's monthly amounts and what
    accrued of them (daily amortisation, month-to-date for the month holding as_of_date).
    accrued_amount = allocated_amount + overflow_amount = Σ fct_cost_allocation_monthly for the
    month and pool; for a complete month accrued_amount = monthly_amount. (Pool periods are one
    calendar month, so one registry row is in force per month.)
-#}

with

accruals as (

    select * from {{ ref('int_pool_accruals_daily') }}

),

monthly as (

    select
        month,
        pool_name,
        max(pool_type) as pool_type,
        max(pool_platform) as pool_platform,
        max(currency) as currency,
        max(owner_cost_center) as owner_cost_center,
        max(monthly_amount) as monthly_amount,
        max(cap) as cap,
        max(shared_cost_cap) as shared_cost_cap,
        max(allocation_rule_version) as allocation_rule_version,
        max(days_in_month) as days_in_month,
        count(*) as days_accrued,
        sum(shared_cents) as shared_cents,
        sum(overflow_cents) as overflow_cents
    from accruals
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['month', 'pool_name']) }} as pool_month_id,
        cast(month as date) as month,
        cast(pool_name as varchar) as cost_pool,
        cast(pool_type as varchar) as pool_type,
        cast(pool_platform as varchar) as pool_platform,
        cast(currency as varchar) as currency,
        cast(monthly_amount as decimal(18, 6)) as monthly_amount,
        cast(cap as decimal(18, 6)) as cap,
        cast(shared_cost_cap as decimal(18, 6)) as pool_amount,
        {{ cents_to_decimal('shared_cents') }} as allocated_amount,
        {{ cents_to_decimal('overflow_cents') }} as overflow_amount,
        {{ cents_to_decimal('shared_cents + overflow_cents') }} as accrued_amount,
        cast(owner_cost_center as varchar) as owner_cost_center,
        cast(days_in_month as integer) as days_in_month,
        cast(days_accrued as integer) as days_accrued,
        days_accrued = days_in_month as is_month_closed,
        cast(allocation_rule_version as varchar) as allocation_rule_version
    from monthly

)

select * from final
