{#-
    Daily amortisation of the cost pools: one row per calendar day x pool, from accounting_start
    to as_of_date (int_accounting_period).

    The pool row in force on a day is the one whose [period_start, period_end) holds it (an open
    period_end recurs every month); its monthly amounts accrue per calendar day: amount / days in
    the month, in cents, the left-over cents one each to the first days, so a complete month sums
    to its monthly amount exactly and an open month shows month-to-date.
      shared_cents    the part allocated by the basis: least(monthly_amount, cap)
      overflow_cents  the part above the cap: monthly_amount - shared part, charged to the pool's
                      owner_cost_center (else UNALLOCATED)
-#}

with

pools as (

    select * from {{ ref('stg_config__cost_pools') }}

),

period as (

    select * from {{ ref('int_accounting_period') }}

),

calendar as (

    {{ date_spine_days(
        '(select accounting_start from period)',
        '(select as_of_date from period)'
    ) }}

),

pool_days as (

    select
        calendar.date_day,
        {{ month_start('calendar.date_day') }} as month,
        pools.pool_name,
        pools.pool_type,
        pools.platform as pool_platform,
        pools.currency,
        pools.owner_cost_center,
        pools.rule_version as allocation_rule_version,
        pools.monthly_amount,
        pools.cap,
        pools.shared_cost_cap,
        {{ int_div_round(to_micros('pools.monthly_amount'), '10000') }} as monthly_cents,
        {{ int_div_round(to_micros('pools.shared_cost_cap'), '10000') }} as shared_month_cents,
        row_number() over (
            partition by pools.pool_name, calendar.date_day
            order by pools.period_start desc
        ) as precedence
    from calendar
    inner join pools
        on calendar.date_day >= pools.period_start
            and (pools.period_end is null or calendar.date_day < pools.period_end)

),

in_force as (

    select
        pool_days.*,
        cast(extract(day from pool_days.date_day) as integer) as day_of_month,
        cast(
            {{ dbt.datediff('pool_days.month', dbt.dateadd('month', 1, 'pool_days.month'), 'day') }}
            as integer
        ) as days_in_month
    from pool_days
    where pool_days.precedence = 1

),

accrued as (

    select
        *,
        {{ int_div('shared_month_cents', 'days_in_month') }}
        + case
            when day_of_month <= {{ int_mod('shared_month_cents', 'days_in_month') }} then 1 else 0
        end as shared_day_cents,
        {{ int_div('monthly_cents', 'days_in_month') }}
        + case
            when day_of_month <= {{ int_mod('monthly_cents', 'days_in_month') }} then 1 else 0
        end as day_cents
    from in_force

),

final as (

    select
        {{ surrogate_key(['date_day', 'pool_name']) }} as pool_accrual_day_id,
        cast(date_day as date) as date_day,
        cast(month as date) as month,
        cast(pool_name as varchar) as pool_name,
        cast(pool_type as varchar) as pool_type,
        cast(pool_platform as varchar) as pool_platform,
        cast(currency as varchar) as currency,
        cast(owner_cost_center as varchar) as owner_cost_center,
        cast(monthly_amount as decimal(18, 6)) as monthly_amount,
        cast(cap as decimal(18, 6)) as cap,
        cast(shared_cost_cap as decimal(18, 6)) as shared_cost_cap,
        cast(days_in_month as integer) as days_in_month,
        cast(shared_day_cents as bigint) as shared_cents,
        -- day_cents >= shared_day_cents: both give their left-over cents to the first days
        cast(day_cents - shared_day_cents as bigint) as overflow_cents,
        cast(allocation_rule_version as varchar) as allocation_rule_version
    from accrued

)

select * from final
