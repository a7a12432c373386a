{#-
    The weekly report's headline per ISO week: total cost, resolved interactions and cost per
    resolved over every cost center (Σ of the cost centers' cent-rounded totals), the interactions
    whose outcome is unknown (wrap-up code / disposition in no resolution code), the unattributed
    share, the number of guardrail breaches and the week's usage currency.
-#}
with

cost_centers as (

    select * from {{ ref('rpt_weekly_cost_per_resolved_by_cost_center') }}

),

unattributed as (

    select * from {{ ref('rpt_weekly_unattributed') }}

),

breaches as (

    select * from {{ ref('rpt_weekly_guardrail_breaches') }}

),

resolved as (

    select
        week_start,
        sum(total_cost) as total_cost,
        cast(sum(resolved_count) as bigint) as resolved_count,
        cast(sum(unknown_outcome_count) as bigint) as unknown_outcome_count
    from cost_centers
    group by 1

),

breach_counts as (

    select
        week_start,
        count(*) as guardrail_breaches
    from breaches
    group by 1

),

weeks as (

    select week_start from resolved
    union
    select week_start from unattributed

),

final as (

    select
        weeks.week_start,
        coalesce(unattributed.currency, '{{ var("default_currency") }}') as currency,
        cast(coalesce(resolved.total_cost, 0) as decimal(18, 2)) as total_cost,
        coalesce(resolved.resolved_count, 0) as resolved_count,
        case
            when resolved.resolved_count > 0
                then cast({{ cents_to_decimal(signed_div_round(
                    'cast(resolved.total_cost * 100 as ' ~ wide_int() ~ ') * 100', 'resolved.resolved_count * 100'
                )) }} as decimal(18, 2))
        end as cost_per_resolved,
        coalesce(resolved.unknown_outcome_count, 0) as unknown_outcome_count,
        unattributed.unattributed_cost,
        unattributed.unattributed_share_pct,
        cast(coalesce(breach_counts.guardrail_breaches, 0) as bigint) as guardrail_breaches
    from weeks
    left join resolved on weeks.week_start = resolved.week_start
    left join unattributed on weeks.week_start = unattributed.week_start
    left join breach_counts on weeks.week_start = breach_counts.week_start

)

select * from final
