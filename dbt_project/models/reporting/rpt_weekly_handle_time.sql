{#-
    Handle time per ISO week and Genesys queue: actual AHT of the week, forecast AHT = the queue's
    mean AHT over the var('report_aht_history_weeks') weeks before, variance in percent, and
    workload in Erlangs (handled seconds per open queue-second, i.e. agents kept busy by the queue;
    occupancy needs staffing data the platforms do not export). Seconds to 0.1, percent to 0.1,
    Erlangs to 0.01, rounded half up.
-#}
with

weekly as (

    select * from {{ ref('int_queue_handle_time_weekly') }}

),

queue_names as (

    select * from {{ ref('int_queue_names') }}

),

week_offsets as (

    {% for offset in range(var('report_aht_history_weeks') + 1) -%}
        select {{ offset }} as week_offset
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

report_weeks as (

    select distinct
        weekly.queue_id,
        cast({{ dbt.dateadd('day', 'week_offsets.week_offset * 7', 'weekly.week_start') }} as date)
            as week_start
    from weekly
    cross join week_offsets

),

measured as (

    select
        report_weeks.week_start,
        report_weeks.queue_id,
        sum(case when weekly.week_start = report_weeks.week_start then weekly.handle_ms end) as handle_ms,
        sum(case when weekly.week_start = report_weeks.week_start then weekly.handle_count end)
            as handle_count,
        sum(case when weekly.week_start < report_weeks.week_start then weekly.handle_ms end)
            as history_handle_ms,
        sum(case when weekly.week_start < report_weeks.week_start then weekly.handle_count end)
            as history_handle_count,
        sum(case when weekly.week_start = report_weeks.week_start then weekly.offered end) as offered,
        sum(case when weekly.week_start = report_weeks.week_start then weekly.answered end) as answered,
        sum(case when weekly.week_start = report_weeks.week_start then weekly.open_seconds end)
            as open_seconds
    from report_weeks
    inner join weekly
        on
            report_weeks.queue_id = weekly.queue_id
            and report_weeks.week_start >= weekly.week_start
            and weekly.week_start >= cast({{ dbt.dateadd(
                'day', -7 * var('report_aht_history_weeks'), 'report_weeks.week_start'
            ) }} as date)
    group by 1, 2

),

final as (

    select
        {{ surrogate_key(['measured.week_start', 'measured.queue_id']) }} as report_queue_week_id,
        measured.week_start,
        measured.queue_id,
        coalesce(queue_names.queue_name, measured.queue_id) as queue_name,
        cast(coalesce(measured.offered, 0) as bigint) as offered,
        cast(coalesce(measured.answered, 0) as bigint) as answered,
        case
            when measured.history_handle_count > 0 and measured.history_handle_ms > 0
                then cast(cast(
                        {{ int_div_round('measured.history_handle_ms', 'measured.history_handle_count * 100') }}  -- noqa: LT05
                        as decimal(18, 0)
                    ) * cast(0.1 as decimal(18, 1)
                    ) as decimal(18, 1
                    ))
        end as forecast_aht_s,
        case
            when measured.handle_count > 0 and measured.handle_ms > 0
                then cast(cast(
                        {{ int_div_round('measured.handle_ms', 'measured.handle_count * 100') }}
                        as decimal(18, 0)
                    ) * cast(0.1 as decimal(18, 1)
                    ) as decimal(18, 1
                    ))
        end as actual_aht_s,
        case
            when
                measured.handle_count > 0 and measured.handle_ms > 0
                and measured.history_handle_count > 0 and measured.history_handle_ms > 0
                then cast(cast({{ signed_div_round(
                    '(cast(measured.handle_ms as ' ~ wide_int() ~ ') * measured.history_handle_count'
                        ~ ' - cast(measured.history_handle_ms as ' ~ wide_int() ~ ') * measured.handle_count) * 1000',
                    'cast(measured.history_handle_ms as ' ~ wide_int() ~ ') * measured.handle_count'
                ) }} as decimal(18, 0)) * cast(0.1 as decimal(18, 1)) as decimal(18, 1))
        end as aht_variance_pct,
        case
            when measured.open_seconds > 0
                then cast(cast(
                        {{ int_div_round('coalesce(measured.handle_ms, 0)', 'measured.open_seconds * 10') }}
                        as decimal(18, 0)
                    ) * cast(0.01 as decimal(18, 2)
                    ) as decimal(18, 2
                    ))
        end as workload_erlangs
    from measured
    left join queue_names on measured.queue_id = queue_names.queue_id

)

select * from final
