{#- Guardrail breaches (cost-center days above their band) per ISO week, with the excess over the bound. -#}
with

baselines as (

    select * from {{ ref('fct_guardrail_baselines') }}

),

final as (

    select
        {{ surrogate_key(['cost_date', 'cost_center']) }} as report_breach_id,
        {{ iso_week_start('cost_date') }} as week_start,
        cost_date,
        cost_center,
        {{ round_cents('daily_cost') }} as daily_cost,
        {{ round_cents('baseline_30d') }} as baseline_30d,
        {{ round_cents('upper_bound') }} as upper_bound,
        {{ round_cents('daily_cost - upper_bound') }} as excess
    from baselines
    where status = 'breach'

)

select * from final
