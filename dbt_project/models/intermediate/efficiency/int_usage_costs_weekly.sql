{#-
    Rated usage cost per ISO week (of usage_date) x queue x cost center, by usage type.
    queue_id = the item's originating (first ACD) queue, else its own queue, else 'UNASSIGNED'.
-#}

{%- set unassigned = var('unassigned_queue_id', 'UNASSIGNED') -%}

with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

cells as (

    select
        {{ iso_week_start('usage_date') }} as week_start,
        coalesce(originating_queue_id, queue_id, '{{ unassigned }}') as queue_id,
        cost_center,
        usage_type,
        cost,
        currency
    from usage_cost

),

final as (

    select
        {{ surrogate_key(['week_start', 'queue_id', 'cost_center']) }} as usage_cell_id,
        week_start,
        queue_id,
        cost_center,
        sum(case when usage_type = 'voice' then cost end) as telephony_cost,
        sum(case when usage_type = 'transcription' then cost end) as transcription_cost,
        sum(case when usage_type = 'wem_evaluation' then cost end) as wem_evaluation_cost,
        sum(case when cost is null then 1 else 0 end) as unrated_item_count,
        min(currency) as currency
    from cells
    group by 2, 3, 4

)

select * from final
