{#-
    Usage items lacking cost metadata, one row per item and gap: no cost center (null or
    var('unattributed_cost_center')) or no rate (cost null), with the reasons the reconciliation
    queue holds for it (null when the queue lost it). Great Expectations validates these rows.
-#}
with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

backlog as (

    select * from {{ ref('reconciliation_queue') }}

),

gaps as (

    select
        usage_id,
        source_record_id,
        usage_date,
        'no_cost_center' as gap
    from usage_cost
    where cost_center is null or cost_center = '{{ var("unattributed_cost_center") }}'
    union all
    select
        usage_id,
        source_record_id,
        usage_date,
        'missing_rate' as gap
    from usage_cost
    where cost is null

),

queued as (

    select
        usage_id,
        {{ dbt.listagg('distinct reason', "','") }} as queue_reason
    from backlog
    group by 1

),

final as (

    select
        {{ surrogate_key(['gaps.usage_id', 'gaps.gap']) }} as usage_gap_id,
        {{ month_start('gaps.usage_date') }} as month,
        gaps.usage_id,
        gaps.source_record_id,
        gaps.gap,
        queued.queue_reason
    from gaps
    left join queued on gaps.usage_id = queued.usage_id

)

select * from final
