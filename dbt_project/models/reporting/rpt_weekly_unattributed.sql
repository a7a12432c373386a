{#-
    Unattributed share of rated usage cost per ISO week: cost charged to
    var('unattributed_cost_center') over all rated cost, in percent rounded half up to 0.01.
-#}
with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

weekly as (

    select
        {{ iso_week_start('usage_date') }} as week_start,
        min(currency) as currency,
        coalesce(sum(cost), 0) as total_cost_exact,
        coalesce(sum(case when cost_center = '{{ var("unattributed_cost_center") }}' then cost end), 0)
            as unattributed_cost_exact,
        sum(case when cost is null then 1 else 0 end) as unrated_items
    from usage_cost
    group by 1

),

final as (

    select
        week_start,
        coalesce(currency, '{{ var("default_currency") }}') as currency,
        {{ round_cents('total_cost_exact') }} as total_cost,
        {{ round_cents('unattributed_cost_exact') }} as unattributed_cost,
        case
            when total_cost_exact <> 0
                then cast({{ cents_to_decimal(signed_div_round(
                    to_micros('unattributed_cost_exact') ~ ' * 10000', to_micros('total_cost_exact')
                )) }} as decimal(9, 2))
        end as unattributed_share_pct,
        cast(unrated_items as bigint) as unrated_items
    from weekly

)

select * from final
