{#-
    Queue × cost center cells whose cost per resolved moved most against the week before, ranked by
    cost impact = this week's cost − this week's resolved × last week's cost per resolved (what the
    change cost this week, rounded half up to the cent). Cells with fewer than
    var('report_movers_min_resolved') resolved interactions in either week are left out; the top
    var('report_top_movers') per week are kept.
-#}
with

cells as (

    select * from {{ ref('rpt_weekly_cost_per_resolved') }}

),

paired as (

    select
        this_week.week_start,
        this_week.queue_id,
        this_week.queue_name,
        this_week.cost_center,
        last_week.cost_per_resolved as previous_cost_per_resolved,
        this_week.cost_per_resolved,
        this_week.resolved_count,
        last_week.resolved_count as previous_resolved_count,
        this_week.total_cost,
        last_week.total_cost as previous_total_cost
    from cells as this_week
    inner join cells as last_week
        on
            this_week.queue_id = last_week.queue_id
            and this_week.cost_center = last_week.cost_center
            and last_week.week_start = cast({{ dbt.dateadd('day', -7, 'this_week.week_start') }} as date)
    where
        this_week.cost_per_resolved is not null
        and last_week.cost_per_resolved is not null
        and this_week.resolved_count >= {{ var('report_movers_min_resolved') }}
        and last_week.resolved_count >= {{ var('report_movers_min_resolved') }}

),

measured as (

    select
        *,
        cost_per_resolved - previous_cost_per_resolved as change,
        -- a previous cost per resolved of 0.00 has no percent change (null)
        case when cast(previous_cost_per_resolved * 100 as bigint) > 0 then {{ signed_div_round(
            '(cast(cost_per_resolved * 100 as bigint) - cast(previous_cost_per_resolved * 100 as bigint)) * 1000',
            'cast(previous_cost_per_resolved * 100 as bigint)'
        ) }} end as change_pct_tenths,
        {{ signed_div_round(
            'cast(total_cost * 100 as ' ~ wide_int() ~ ') * previous_resolved_count'
                ~ ' - cast(previous_total_cost * 100 as ' ~ wide_int() ~ ') * resolved_count',
            'previous_resolved_count'
        ) }} as cost_impact_cents
    from paired

),

ranked as (

    select
        *,
        row_number() over (
            partition by week_start
            order by abs(cost_impact_cents) desc, queue_id, cost_center
        ) as mover_rank
    from measured

),

final as (

    select
        {{ surrogate_key(['week_start', 'queue_id', 'cost_center']) }} as report_mover_id,
        week_start,
        cast(mover_rank as integer) as mover_rank,
        queue_id,
        queue_name,
        cost_center,
        previous_cost_per_resolved,
        cost_per_resolved,
        cast(change as decimal(18, 2)) as change,
        cast(cast(change_pct_tenths as decimal(18, 0)) * cast(0.1 as decimal(18, 1)) as decimal(18, 1))
            as change_pct,
        resolved_count,
        cast({{ cents_to_decimal('cost_impact_cents') }} as decimal(18, 2)) as cost_impact,
        cast(total_cost - previous_total_cost as decimal(18, 2)) as total_cost_change
    from ranked
    where mover_rank <= {{ var('report_top_movers') }}

)

select * from final
