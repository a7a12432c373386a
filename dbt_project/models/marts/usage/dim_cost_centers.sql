{#-
    Cost centers of the registry plus the two system members every mart may use:
    UNATTRIBUTED (usage no rule could attribute) and UNALLOCATED (a shared pool with no basis).
-#}

with

cost_centers as (

    select * from {{ ref('stg_config__cost_centers') }}

),

registered as (

    select
        cost_center,
        cost_center_name,
        owner,
        guardrail_band_pct,
        is_active,
        false as is_system_member,
        registry_version
    from cost_centers

),

system_members as (

    select
        '{{ var("unattributed_cost_center") }}' as cost_center,
        'Usage without cost-center metadata (see reconciliation_queue)' as cost_center_name,
        cast(null as varchar) as owner,
        cast(null as decimal(18, 6)) as guardrail_band_pct,
        true as is_active,
        true as is_system_member,
        cast(null as varchar) as registry_version

    union all

    select
        '{{ var("unallocated_cost_center") }}' as cost_center,
        'Shared cost of a pool with no allocation basis in the month' as cost_center_name,
        cast(null as varchar) as owner,
        cast(null as decimal(18, 6)) as guardrail_band_pct,
        true as is_active,
        true as is_system_member,
        cast(null as varchar) as registry_version

),

unioned as (

    select * from registered
    union all
    select * from system_members

)

select * from unioned
