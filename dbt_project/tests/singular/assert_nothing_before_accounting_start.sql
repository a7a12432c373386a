-- Coverage: no mart row dated before accounting_start (int_accounting_period). Returns the
-- offending model and date.
with

period as (

    select * from {{ ref('int_accounting_period') }}

),

dated as (

    select
        'fct_usage_cost' as model_name,
        min(usage_date) as first_day
    from {{ ref('fct_usage_cost') }}

    union all

    select
        'fct_cost_allocation_monthly' as model_name,
        min(month) as first_day
    from {{ ref('fct_cost_allocation_monthly') }}

    union all

    select
        'fct_cost_pool_monthly' as model_name,
        min(month) as first_day
    from {{ ref('fct_cost_pool_monthly') }}

    union all

    select
        'int_pool_allocations_daily' as model_name,
        min(date_day) as first_day
    from {{ ref('int_pool_allocations_daily') }}

)

select
    dated.model_name,
    dated.first_day,
    period.accounting_start
from dated
cross join period
where dated.first_day < period.accounting_start
