with

intervals as (

    select * from {{ ref('stg_genesys__queue_intervals') }}

),

measured as (

    select
        *,
        {{ dbt.datediff('interval_start', 'interval_end', 'second') }} as interval_seconds  -- noqa: LT05
    from intervals

),

weekly as (

    select
        queue_id,
        {{ iso_week_start('interval_date') }} as week_start,
        sum(t_handle_sum_ms) as handle_ms,
        sum(t_handle_count) as handle_count,
        sum(n_offered) as offered,
        sum(n_answered) as answered,
        sum(case when n_offered > 0 then interval_seconds end) as open_seconds
    from measured
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['queue_id', 'week_start']) }} as queue_week_id,
        queue_id,
        week_start,
        cast(handle_ms as bigint) as handle_ms,
        cast(handle_count as bigint) as handle_count,
        cast(offered as bigint) as offered,
        cast(answered as bigint) as answered,
        cast(open_seconds as bigint) as open_seconds
    from weekly

)

select * from final
