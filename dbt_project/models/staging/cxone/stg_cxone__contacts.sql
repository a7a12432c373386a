with

source as (

    {#- the platform may never have been ingested here (an org on the other platform only) -#}
    {{ optional_source('cxone', 'cxone_contacts', [
        ['contact_id', 'varchar'], ['master_contact_id', 'varchar'], ['skill_id', 'varchar'],
        ['campaign_id', 'varchar'], ['agent_id', 'varchar'], ['team_id', 'varchar'],
        ['skill_name', 'varchar'], ['campaign_name', 'varchar'], ['media_type', 'varchar'],
        ['is_outbound', 'boolean'], ['from_addr', 'varchar'], ['to_addr', 'varchar'],
        ['point_of_contact', 'varchar'], ['number_type', 'varchar'], ['carrier', 'varchar'],
        ['disposition', 'varchar'], ['abandoned', 'boolean'],
        ['transfer_indicator', 'boolean'], ['end_reason', 'varchar'],
        ['total_duration_seconds', 'bigint'], ['in_queue_seconds', 'bigint'],
        ['agent_seconds', 'bigint'], ['hold_seconds', 'bigint'], ['acw_seconds', 'bigint'],
        ['contact_start', 'timestamp with time zone'],
        ['contact_end', 'timestamp with time zone']
    ]) }}

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
        {{ carrier_alias('cxone', "nullif(trim(cast(carrier as varchar)), '')") }} as carrier,
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
