{#-
    The allocation basis per day: voice milliseconds (measured duration) per usage date,
    platform, cost center and currency, from fct_usage_cost on and after accounting_start.
    Unrated items (no currency) keep a null currency: their minutes count towards a pool of any
    currency.
-#}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

final as (

    select
        {{ surrogate_key(['usage_date', 'platform', 'cost_center', 'currency']) }} as basis_day_id,
        usage_date as date_day,
        platform,
        cost_center,
        currency,
        cast(sum(duration_ms) as bigint) as voice_ms
    from usage_cost
    where usage_type = 'voice'
        and duration_ms > 0
    group by 2, 3, 4, 5

)

select * from final
