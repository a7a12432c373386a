-- Σ FOCUS BilledCost = Σ rated fct_usage_cost.cost + Σ allocated pool cost, per currency, exactly.
with

focus as (

    select
        "BillingCurrency" as currency,
        sum("BilledCost") as billed_cost
    from {{ ref('focus_cost_and_usage') }}
    group by 1

),

usage_cost as (

    select
        currency,
        sum(cost) as cost
    from {{ ref('fct_usage_cost') }}
    where cost is not null
    group by 1

),

allocated as (

    select
        currency,
        sum(allocated_shared_cost) as cost
    from {{ ref('fct_cost_allocation_monthly') }}
    group by 1

),

expected as (

    select
        currency,
        sum(cost) as cost
    from (
        select * from usage_cost
        union all
        select * from allocated
    ) as sources
    group by 1

)

select
    coalesce(expected.currency, focus.currency) as currency,
    expected.cost as expected_cost,
    focus.billed_cost
from expected
full outer join focus
    on expected.currency = focus.currency
where expected.cost is null
    or focus.billed_cost is null
    or expected.cost <> focus.billed_cost
