-- fct_cost_per_resolved_weekly loses no cost: Σ telephony / transcription = Σ rated voice /
-- transcription usage, Σ licensing_allocation = Σ allocated_shared_cost (exactly).
with

weekly as (

    select
        sum(telephony_cost) as telephony_cost,
        sum(transcription_cost) as transcription_cost,
        sum(licensing_allocation) as licensing_allocation
    from {{ ref('fct_cost_per_resolved_weekly') }}

),

usage_cost as (

    select
        coalesce(sum(case when usage_type = 'voice' then cost end), 0) as telephony_cost,
        coalesce(sum(case when usage_type = 'transcription' then cost end), 0) as transcription_cost
    from {{ ref('fct_usage_cost') }}

),

allocated as (

    select coalesce(sum(allocated_shared_cost), 0) as licensing_allocation
    from {{ ref('fct_cost_allocation_monthly') }}

)

select
    weekly.*,
    usage_cost.telephony_cost as expected_telephony_cost,
    usage_cost.transcription_cost as expected_transcription_cost,
    allocated.licensing_allocation as expected_licensing_allocation
from weekly
cross join usage_cost
cross join allocated
where
    coalesce(weekly.telephony_cost, 0) <> usage_cost.telephony_cost
    or coalesce(weekly.transcription_cost, 0) <> usage_cost.transcription_cost
    or coalesce(weekly.licensing_allocation, 0) <> allocated.licensing_allocation
