{#-
    One row per interaction on both platforms and every channel (voice, callback, chat,
    message, email): a Genesys conversation (outcome = its final wrap-up code) or a CXone master
    contact (outcome = the disposition of its last leg), placed in the ISO week it started.
      queue_id     the originating (first ACD) queue, else the final queue, else 'UNASSIGNED'
                   (the queue its usage items roll up to)
      cost_center  the cost center of its usage items (the lowest one when a manual attribution
                   split them), else what the attribution rules give the conversation itself
      is_resolved  the code maps to outcome 'resolved' in seed resolution_codes
    Interactions before accounting_start are left out.
-#}

{%- set unassigned = var('unassigned_queue_id', 'UNASSIGNED') -%}

with

conversations as (

    -- every conversation with its own attribution (and the conversation columns used below)
    select * from {{ ref('int_conversations_attributed') }}

),

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

evaluations as (

    select * from {{ ref('stg_genesys__evaluations') }}

),

period as (

    select * from {{ ref('int_accounting_period') }}

),

resolution_codes as (

    select
        platform,
        outcome,
        lower(trim(code)) as code_key
    from {{ ref('resolution_codes') }}

),

item_cost_centers as (

    select
        platform,
        conversation_id,
        min(coalesce(originating_queue_id, queue_id)) as item_queue_id,
        min(cost_center) as cost_center
    from usage_cost
    where conversation_id is not null
    group by 1, 2

),

evaluation_scores as (

    select
        conversation_id,
        count(*) as evaluation_count,
        sum(total_score) as score_sum
    from evaluations
    group by 1

),

final as (

    select
        conversations.interaction_id,
        conversations.platform,
        conversations.conversation_id,
        conversations.conversation_date,
        {{ iso_week_start('conversations.conversation_date') }} as week_start,
        coalesce(conversations.media_type, 'unknown') as channel,
        coalesce(conversations.is_voice, false) as is_voice,
        coalesce(
            conversations.originating_queue_id,
            conversations.final_queue_id,
            item_cost_centers.item_queue_id,
            '{{ unassigned }}'
        ) as queue_id,
        coalesce(item_cost_centers.cost_center, conversations.cost_center) as cost_center,
        conversations.wrapup_code,
        codes.outcome,
        coalesce(codes.outcome = 'resolved', false) as is_resolved,
        coalesce(not conversations.is_abandoned, false) as is_handled,
        coalesce(conversations.talk_ms, 0)
        + coalesce(conversations.hold_ms, 0)
        + coalesce(conversations.acw_ms, 0) as handle_ms,
        coalesce(evaluation_scores.evaluation_count, 0) as evaluation_count,
        evaluation_scores.score_sum
    from conversations
    cross join period
    left join item_cost_centers
        on conversations.platform = item_cost_centers.platform
            and conversations.conversation_id = item_cost_centers.conversation_id
    left join resolution_codes as codes
        on conversations.platform = codes.platform
            and lower(trim(conversations.wrapup_code)) = codes.code_key
    left join evaluation_scores
        on conversations.platform = 'genesys'
            and conversations.conversation_id = evaluation_scores.conversation_id
    where conversations.conversation_date >= period.accounting_start

)

select * from final
