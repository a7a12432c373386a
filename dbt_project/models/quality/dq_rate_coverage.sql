{#-
    Rating coverage per month and rated key (platform, usage type, carrier, direction, number type):
    usage items, items the rating found no rate-card line for (cost null), the first such day.
-#}
with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

keyed as (

    select
        {{ month_start('usage_date') }} as month,
        platform || '/' || usage_type || '/' || coalesce(carrier, '*') || '/' || coalesce(direction, '*')
        || '/' || coalesce(number_type, '*') as rate_key,
        usage_date,
        cost
    from usage_cost

),

final as (

    select
        {{ surrogate_key(['month', 'rate_key']) }} as rate_coverage_id,
        month,
        rate_key,
        cast(count(*) as bigint) as usage_rows,
        cast(sum(case when cost is null then 1 else 0 end) as bigint) as unrated_rows,
        min(case when cost is null then usage_date end) as first_unrated_date
    from keyed
    group by 1, 2, 3

)

select * from final
