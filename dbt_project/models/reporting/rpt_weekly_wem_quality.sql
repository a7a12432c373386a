{#-
    WEM quality per ISO week and queue: the evaluation-weighted mean of the cells' mean scores
    (fct_cost_per_resolved_weekly.avg_wem_score), rounded half up to 0.1; null without evaluations.
-#}
with

cells as (

    select * from {{ ref('fct_cost_per_resolved_weekly') }}

),

queue_names as (

    select * from {{ ref('int_queue_names') }}

),

weighted as (

    select
        week_start,
        queue_id,
        sum(avg_wem_score * coalesce(evaluation_count, 0)) as weighted_score,
        sum(coalesce(evaluation_count, 0)) as evaluations
    from cells
    where avg_wem_score is not null
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['weighted.week_start', 'weighted.queue_id']) }} as report_queue_week_id,
        weighted.week_start,
        weighted.queue_id,
        coalesce(queue_names.queue_name, weighted.queue_id) as queue_name,
        case
            when weighted.evaluations > 0
                then cast(cast({{ signed_div_round(
                    to_micros('weighted.weighted_score'), 'weighted.evaluations * 100000'
                ) }} as decimal(18, 0)) * cast(0.1 as decimal(18, 1)) as decimal(18, 1))
        end as quality_score,
        cast(weighted.evaluations as bigint) as evaluations
    from weighted
    left join queue_names on weighted.queue_id = queue_names.queue_id

)

select * from final
