{#-
    Every usage item still lacking cost metadata or a rate; one row per item and reason. The
    items stay in fct_usage_cost (UNATTRIBUTED / null cost). Reasons:
      no_cost_center       no attribution rule matched (cost center UNATTRIBUTED)
      missing_rate         no rate card line in force for the item on its usage date
      unknown_cost_center  the conversation's explicit cost_center attribute is not a registered
                           cost center (the item was attributed by the next rule instead)
    suggested_cost_center: for no_cost_center the latest cost center ever mapped to the
    originating queue, the item's queue (or their parent chain) or campaign; for the other
    reasons the cost center the item was attributed to.
    queue_path (the ACD queue chain, consecutive repeats collapsed) is assembled here for the
    flagged conversations only.
    following_pool_cost: on no_cost_center rows, the pool money that follows the item: the
    UNATTRIBUTED share of each day's pool allocation (int_pool_allocations_daily) split over that
    day's unattributed voice items by their milliseconds (cents, largest remainder), so the
    rows sum to everything UNATTRIBUTED was allocated; 0 on the other reasons (no repeat).
    amount_at_stake = cost (0 when unrated) + following_pool_cost.
-#}

{%- set following_cents -%}
    case
        when flagged.reason = 'no_cost_center' then coalesce(following_pools.following_cents, 0)
        else 0
    end
{%- endset %}

with

conversations as (

    select * from {{ ref('int_conversations') }}

),

genesys_segments as (

    select * from {{ ref('stg_genesys__segments') }}

),

cxone_contacts as (

    select * from {{ ref('stg_cxone__contacts') }}

),

mappings_daily as (

    select * from {{ ref('int_cost_center_mappings_daily') }}

),

cost_centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

pool_allocations as (

    select * from {{ ref('int_pool_allocations_daily') }}

),

pool_accruals as (

    select * from {{ ref('int_pool_accruals_daily') }}

),

unattributed_pool_days as (

    select
        pool_allocations.date_day,
        pool_allocations.pool_name,
        pool_allocations.currency,
        pool_accruals.pool_platform,
        pool_allocations.allocated_cents as pool_day_cents
    from pool_allocations
    inner join pool_accruals
        on pool_allocations.date_day = pool_accruals.date_day
            and pool_allocations.pool_name = pool_accruals.pool_name
    where pool_allocations.cost_center = '{{ var("unattributed_cost_center") }}'
        and pool_allocations.allocation_kind = 'allocated'

),

pool_items as (

    select
        unattributed_pool_days.date_day,
        unattributed_pool_days.pool_name,
        unattributed_pool_days.pool_day_cents,
        usage_cost.usage_id,
        usage_cost.duration_ms
    from unattributed_pool_days
    inner join {{ ref('fct_usage_cost') }} as usage_cost
        on unattributed_pool_days.date_day = usage_cost.usage_date
            and (
                unattributed_pool_days.pool_platform = 'all'
                or unattributed_pool_days.pool_platform = usage_cost.platform
            )
            and unattributed_pool_days.currency
            = coalesce(usage_cost.currency, unattributed_pool_days.currency)
    where usage_cost.cost_center = '{{ var("unattributed_cost_center") }}'
        and usage_cost.usage_type = 'voice'
        and usage_cost.duration_ms > 0

),

pool_apportioned as (

    {{ largest_remainder(
        'pool_items', ['date_day', 'pool_name'], 'duration_ms', 'pool_day_cents', 'usage_id'
    ) }}

),

following_pools as (

    select
        usage_id,
        sum(allocated_cents) as following_cents
    from pool_apportioned
    group by 1

),

latest_known_ranked as (

    select
        platform,
        key_type,
        mapping_key,
        coalesce(cost_center, resolved_cost_center) as known_cost_center,
        row_number() over (
            partition by platform, key_type, mapping_key
            order by date_day desc
        ) as recency
    from mappings_daily
    where coalesce(cost_center, resolved_cost_center) is not null

),

latest_known as (

    select * from latest_known_ranked
    where recency = 1

),

unknown_explicit as (

    select
        conversations.platform,
        conversations.conversation_id
    from conversations
    left join cost_centers
        on conversations.explicit_cost_center = cost_centers.cost_center
    where conversations.explicit_cost_center is not null
        and cost_centers.cost_center is null

),

flagged_reasons as (

    select
        usage_cost.*,
        case
            when usage_cost.cost_center = '{{ var("unattributed_cost_center") }}' then 'no_cost_center'
        end as reason_cost_center,
        case when usage_cost.cost is null then 'missing_rate' end as reason_rate
    from {{ ref('fct_usage_cost') }} as usage_cost
    where usage_cost.cost_center = '{{ var("unattributed_cost_center") }}'
        or usage_cost.cost is null

),

flagged as (

    select
        flagged_reasons.*,
        flagged_reasons.reason_cost_center as reason
    from flagged_reasons
    where flagged_reasons.reason_cost_center is not null

    union all

    select
        flagged_reasons.*,
        flagged_reasons.reason_rate as reason
    from flagged_reasons
    where flagged_reasons.reason_rate is not null

    union all

    select
        usage_cost.*,
        cast(null as varchar) as reason_cost_center,
        cast(null as varchar) as reason_rate,
        'unknown_cost_center' as reason
    from {{ ref('fct_usage_cost') }} as usage_cost
    inner join unknown_explicit
        on usage_cost.platform = unknown_explicit.platform
            and usage_cost.conversation_id = unknown_explicit.conversation_id

),

flagged_conversations as (

    select distinct
        platform,
        conversation_id
    from flagged
    where conversation_id is not null

),

path_steps as (

    select
        'genesys' as platform,
        genesys_segments.conversation_id,
        genesys_segments.queue_id,
        genesys_segments.segment_start as step_start,
        genesys_segments.segment_id as step_id
    from genesys_segments
    inner join flagged_conversations
        on flagged_conversations.platform = 'genesys'
            and genesys_segments.conversation_id = flagged_conversations.conversation_id
    where genesys_segments.purpose = 'acd' and genesys_segments.queue_id is not null

    union all

    select
        'cxone' as platform,
        cxone_contacts.master_contact_id as conversation_id,
        cxone_contacts.skill_id as queue_id,
        cxone_contacts.contact_start as step_start,
        cxone_contacts.contact_id as step_id
    from cxone_contacts
    inner join flagged_conversations
        on flagged_conversations.platform = 'cxone'
            and cxone_contacts.master_contact_id = flagged_conversations.conversation_id

),

path_changes as (

    select
        platform,
        conversation_id,
        queue_id,
        step_start,
        lag(queue_id) over (
            partition by platform, conversation_id
            order by step_start, step_id
        ) as previous_queue_id
    from path_steps

),

queue_paths as (

    select
        platform,
        conversation_id,
        {{ ordered_string_agg('queue_id', "' > '", 'step_start') }} as queue_path
    from path_changes
    where previous_queue_id is null or previous_queue_id <> queue_id
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['flagged.usage_id', 'flagged.reason']) }} as reconciliation_id,
        flagged.usage_id,
        flagged.source_record_id,
        flagged.conversation_id,
        flagged.platform,
        flagged.usage_type,
        flagged.usage_date,
        flagged.queue_id,
        flagged.originating_queue_id,
        coalesce(queue_paths.queue_path, flagged.queue_id) as queue_path,
        flagged.campaign,
        flagged.cost,
        flagged.currency,
        flagged.cost_center,
        flagged.reason,
        {{ cents_to_decimal(following_cents) }} as following_pool_cost,
        cast(
            case
                when
                    flagged.reason = 'unknown_cost_center'
                    and flagged.cost_center = '{{ var("unattributed_cost_center") }}'
                    then 0
                else coalesce(flagged.cost, 0)
            end
            + {{ cents_to_decimal(following_cents) }}
            as decimal(18, 6)
        ) as amount_at_stake,
        case
            when flagged.reason <> 'no_cost_center'
                then nullif(
                        flagged.cost_center, '{{ var("unattributed_cost_center") }}'
                    )
            else coalesce(
                    by_originating.known_cost_center,
                    by_queue.known_cost_center,
                    by_campaign.known_cost_center
                )
        end as suggested_cost_center
    from flagged
    left join following_pools
        on flagged.usage_id = following_pools.usage_id
    left join queue_paths
        on flagged.platform = queue_paths.platform
            and flagged.conversation_id = queue_paths.conversation_id
    left join latest_known as by_originating
        on flagged.platform = by_originating.platform
            and by_originating.key_type = 'queue'
            and flagged.originating_queue_id = by_originating.mapping_key
    left join latest_known as by_queue
        on flagged.platform = by_queue.platform
            and by_queue.key_type = 'queue'
            and flagged.queue_id = by_queue.mapping_key
    left join latest_known as by_campaign
        on flagged.platform = by_campaign.platform
            and by_campaign.key_type = 'campaign'
            and flagged.campaign = by_campaign.mapping_key

)

select * from final
