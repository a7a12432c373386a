{#-
    The guardrail receiver's settings from the dbt vars, one row: the policy mode in force, the
    sentinel of unattributed usage, the intraday window (hours, band factor), the intraday band exponent, the pace test's minimum
    share before its window (null = off) and the leg assumed per platform for an
    event that does not say its carrier / direction / number type (one row per platform).
-#}

{%- set legs = var('guardrail_unspecified_leg') -%}

with

legs as (

    {%- for platform, leg in legs.items() %}
        select
            '{{ platform }}' as platform,
            '{{ leg["carrier"] }}' as assumed_carrier,
            '{{ leg["direction"] }}' as assumed_direction,
            '{{ leg["number_type"] }}' as assumed_number_type
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        cast(platform as varchar) as platform,
        cast('{{ var("guardrail_policy_mode") }}' as varchar) as policy_mode,
        cast('{{ var("unattributed_cost_center") }}' as varchar) as unattributed_cost_center,
        cast({{ var("guardrail_window_hours") }} as integer) as window_hours,
        cast({{ var("guardrail_window_band_factor") }} as decimal(18, 6)) as window_band_factor,
        cast({{ var("guardrail_intraday_band_exponent") }} as decimal(18, 6)) as intraday_band_exponent,
        cast('{{ var("guardrail_materiality_basis", "so_far") }}' as varchar) as materiality_basis,
        cast({{ var("guardrail_floor_amount") }} as decimal(18, 6)) as floor_min_amount,
        cast({{ var("guardrail_pace_min_share", "null") }} as decimal(18, 6)) as pace_min_share,
        cast(assumed_carrier as varchar) as assumed_carrier,
        cast(assumed_direction as varchar) as assumed_direction,
        cast(assumed_number_type as varchar) as assumed_number_type
    from legs

)

select * from final
