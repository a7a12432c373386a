-- Σ FOCUS BilledCost = Σ rated fct_usage_cost.cost + Σ allocated pool cost, per currency, exactly.
with

focus_totals as (

    -- FOCUS columns are PascalCase, quoted for PostgreSQL
    select
        "BillingCurrency" as currency,  -- noqa: RF06
        sum("BilledCost") as billed_cost  -- noqa: RF06
    from {{ ref('focus_cost_and_usage') }}
    group by 1

),

usage_totals as (

    select
        currency,
        sum(cost) as amount
    from {{ ref('fct_usage_cost') }}
    where cost is not null
    group by 1

),

allocation_totals as (

    select
        currency,
        sum(allocated_shared_cost) as amount
    from {{ ref('fct_cost_allocation_monthly') }}
    group by 1

),

combined as (

    select * from usage_totals
    union all
    select * from allocation_totals

),

expected_totals as (

    select
        currency,
        sum(amount) as amount
    from combined
    group by 1

)

select
    expected_totals.amount as expected_cost,
    focus_totals.billed_cost,
    coalesce(expected_totals.currency, focus_totals.currency) as currency
from expected_totals
full outer join focus_totals
    on expected_totals.currency = focus_totals.currency
where
    expected_totals.amount is null
    or focus_totals.billed_cost is null
    or expected_totals.amount <> focus_totals.billed_cost
