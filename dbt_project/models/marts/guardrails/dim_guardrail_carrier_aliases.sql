{#-
    The carrier each platform's own provider name stands for (var carrier_aliases; the staging
    models apply the same var through the carrier_alias macro), for the guardrail receiver.
-#}

{%- set aliases = var('carrier_aliases', {}) -%}

with

aliases as (

    {%- set rows = [] -%}
    {%- for platform, names in aliases.items() -%}
        {%- for name, carrier in names.items() -%}
            {%- do rows.append((platform, name | lower, carrier)) -%}
        {%- endfor -%}
    {%- endfor %}
    {%- for platform, name, carrier in rows %}
        select
            '{{ platform }}' as platform,
            '{{ name }}' as provider_name,
            '{{ carrier }}' as carrier
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            cast(null as varchar) as platform,
            cast(null as varchar) as provider_name,
            cast(null as varchar) as carrier
        where 1 = 0
    {%- endfor %}

),

final as (

    select
        {{ surrogate_key(['platform', 'provider_name']) }} as carrier_alias_id,
        cast(platform as varchar) as platform,
        cast(provider_name as varchar) as provider_name,
        cast(carrier as varchar) as carrier
    from aliases

)

select * from final
