{#- Cost per resolved interaction per ISO week and cost center (over its queues), rounded to the cent. -#}
with

cells as (

    select * from {{ ref('rpt_weekly_cost_per_resolved') }}

),

summed as (

    select
        week_start,
        cost_center,
        sum(total_cost_exact) as total_cost_exact,
        cast(sum(resolved_count) as bigint) as resolved_count,
        cast(sum(unknown_outcome_count) as bigint) as unknown_outcome_count
    from cells
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['week_start', 'cost_center']) }} as report_cost_center_week_id,
        week_start,
        cost_center,
        {{ round_cents('total_cost_exact') }} as total_cost,
        cast(total_cost_exact as decimal(18, 6)) as total_cost_exact,
        resolved_count,
        case
            when resolved_count > 0
                then cast({{ cents_to_decimal(signed_div_round(
                    to_micros('total_cost_exact'), 'resolved_count * 10000'
                )) }} as decimal(18, 2))
        end as cost_per_resolved,
        unknown_outcome_count
    from summed

)

select * from final
