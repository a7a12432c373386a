{#- Billable durations per day, platform and usage type: extremes and the records behind them. -#}
with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

final as (

    select
        {{ surrogate_key(['usage_date', 'platform', 'usage_type']) }} as duration_day_id,
        {{ month_start('usage_date') }} as month,
        usage_date,
        platform,
        usage_type,
        cast(count(*) as bigint) as usage_rows,
        cast(min(duration_ms) as bigint) as min_duration_ms,
        cast(max(duration_ms) as bigint) as max_duration_ms,
        {{ last_by('source_record_id', 'duration_ms') }} as longest_record_id,
        {{ first_by('source_record_id', 'duration_ms') }} as shortest_record_id
    from usage_cost
    where duration_ms is not null
    group by 1, 2, 3, 4, 5

)

select * from final
