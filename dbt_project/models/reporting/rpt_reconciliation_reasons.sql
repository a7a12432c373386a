{#- The reconciliation backlog per reason: items and their cost (null when none of them is rated). -#}
with

backlog as (

    select * from {{ ref('reconciliation_queue') }}

),

final as (

    select
        reason,
        cast(count(*) as bigint) as items,
        {{ round_cents('sum(cost)') }} as cost
    from backlog
    group by 1

)

select * from final
