with

source as (

    select * from {{ source('cxone', 'cxone_contacts') }}

),

renamed as (

    select

        ----------  ids
        cast(contact_id as varchar) as contact_id,
        cast(coalesce(master_contact_id, contact_id) as varchar) as master_contact_id,
        cast(skill_id as varchar) as skill_id,
        cast(campaign_id as varchar) as campaign_id,
        cast(agent_id as varchar) as agent_id,
        cast(team_id as varchar) as team_id,

        ----------  attributes
        cast(skill_name as varchar) as skill_name,
        cast(campaign_name as varchar) as campaign_name,
        cast(media_type as varchar) as media_type,
        coalesce(
            lower(cast(media_type as varchar)) in ('voice', 'call', 'phonecall', 'phone call', '4'),
            false
        ) as is_voice,
        case when cast(is_outbound as boolean) then 'outbound' else 'inbound' end as direction,
        cast(from_addr as varchar) as from_addr,
        cast(to_addr as varchar) as to_addr,
        cast(point_of_contact as varchar) as point_of_contact,
        coalesce(
            nullif(trim(cast(number_type as varchar)), ''),
            {{ number_type_from_number(
                'coalesce(cast(point_of_contact as varchar), cast(to_addr as varchar))'
            ) }}
        ) as number_type,
        nullif(trim(cast(carrier as varchar)), '') as carrier,
        cast(disposition as varchar) as disposition,
        coalesce(cast(abandoned as boolean), false) as is_abandoned,
        coalesce(cast(transfer_indicator as boolean), false) as is_transfer,
        cast(end_reason as varchar) as end_reason,

        ----------  measures
        cast(coalesce(total_duration_seconds, 0) as bigint) * 1000 as duration_ms,
        cast(coalesce(in_queue_seconds, 0) as bigint) as in_queue_seconds,
        cast(coalesce(agent_seconds, 0) as bigint) as agent_seconds,
        cast(coalesce(hold_seconds, 0) as bigint) as hold_seconds,
        cast(coalesce(acw_seconds, 0) as bigint) as acw_seconds,

        ----------  timestamps
        contact_start,
        contact_end,
        {{ utc_date('contact_start') }} as contact_date

    from source

)

select * from renamed
